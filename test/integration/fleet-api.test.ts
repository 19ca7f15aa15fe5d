import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/kit/observe/log.ts';
import { type RunningFleetApi, startFleetApi } from '../../src/systems/fleet/roles/fleet-api.ts';
import { engine, freePort } from '../helpers/engines.ts';
import { testSchema, testTopology } from '../helpers/fleet-fixtures.ts';

const postgres = engine('postgres');
const amqp = engine('amqp');
const skip = postgres.skip ?? amqp.skip;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(api: RunningFleetApi, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${api.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function start(options: { rateLimit?: { perSecond: number; burst: number }; amqp?: string } = {}): Promise<RunningFleetApi> {
  return startFleetApi({
    port: 0,
    host: '127.0.0.1',
    command: 'test',
    postgres: postgres.url!,
    schema: testSchema('api'),
    amqp: options.amqp ?? amqp.url!,
    topology: testTopology('api'),
    rateLimit: options.rateLimit,
    relay: false,
    relayOptions: {},
    log: createLogger('test'),
  });
}

async function dropSchema(api: RunningFleetApi): Promise<void> {
  await api.stores.db.exec(`DROP SCHEMA IF EXISTS ${api.stores.db.schema} CASCADE`);
  await api.close();
}

describe('fleet api: the order contract', { skip }, () => {
  let api: RunningFleetApi;
  before(async () => (api = await start()));
  after(() => dropSchema(api));

  const rows = async () => {
    const [counts] = await api.stores.db.query<{ orders: number; outbox: number }>(
      `SELECT (SELECT count(*)::int FROM ${api.stores.db.schema}.orders) AS orders, (SELECT count(*)::int FROM ${api.stores.db.schema}.outbox) AS outbox`,
    );
    return counts!;
  };

  it('refuses bad input with 400 and the reason, and writes nothing', async () => {
    const cases: Array<[body: unknown, reason: RegExp, contentType?: string]> = [
      ['{"id": "a", "price": ', /the body is not valid JSON/],
      ['', /the body is empty/],
      ['[1, 2]', /the body must be a JSON object/],
      ['"an order"', /the body must be a JSON object/],
      [{ price: 10, tax: 1 }, /^id is required$/],
      [{ id: 42, price: 10, tax: 1 }, /^id must be a string$/],
      [{ id: 'x'.repeat(65), price: 10, tax: 1 }, /^id must be at most 64 characters long$/],
      [{ id: "x'; DROP TABLE orders; --", price: 10, tax: 1 }, /^id may hold only letters, digits and \. _ : -$/],
      [{ id: 'a"b', price: 10, tax: 1 }, /^id may hold only/],
      [{ id: 'a', price: -10, tax: 1 }, /^price must be above 0$/],
      [{ id: 'a', price: 0, tax: 1 }, /^price must be above 0$/],
      [{ id: 'a', price: 10, tax: -1 }, /^tax must be 0 or more$/],
      [{ id: 'a', price: '1e9', tax: 1 }, /^price must be a decimal number/],
      [{ id: 'a', price: 1e12, tax: 1 }, /^price must be at most 99999999.99$/],
      [{ id: 'a', price: '100000000', tax: 1 }, /^price must be at most 99999999.99$/],
      [{ id: 'a', price: '99999999.99', tax: '0.01' }, /^price plus tax must be at most 99999999.99/],
      [{ id: 'a', price: 10.123, tax: 1 }, /^price has more than two decimal places$/],
      [{ id: 'a', price: true, tax: 1 }, /^price must be a number or a decimal string/],
      [{ id: 'a', price: '10; DROP TABLE orders', tax: 1 }, /^price must be a decimal number/],
      [{ id: 'a', price: 10 }, /^tax is required$/],
      [{ id: 'a', price: 10, tax: 1, status: 'DELIVERED' }, /^the body has a field "status" that this request does not take$/],
      [{ id: 'a', price: 10, tax: 1, pickup: { lat: 100, lng: 0 } }, /^pickup.lat must be from -90 to 90$/],
      [{ id: 'a', price: 10, tax: 1, pickup: 'Sé' }, /^pickup must be a JSON object/],
    ];
    for (const [body, reason] of cases) {
      const answer = await call(api, 'POST', '/api/v1/orders', body);
      assert.equal(answer.status, 400, `${JSON.stringify(body)} → ${answer.status} ${JSON.stringify(answer.body)}`);
      assert.match(String(answer.body.error), reason, JSON.stringify(body));
    }
    const text = await call(api, 'POST', '/api/v1/orders', 'id=a&price=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(text.status, 415);
    assert.deepEqual(await rows(), { orders: 0, outbox: 0 });
  });

  it('creates an order: 201 with final_price = price + tax in exact decimals, and a Location', async () => {
    const created = await call(api, 'POST', '/api/v1/orders', { id: 'decimals-1', price: 0.1, tax: 0.2 });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, { id: 'decimals-1', final_price: '0.30' });
    assert.equal(created.headers.get('location'), '/api/v1/orders/decimals-1');
    const limit = await call(api, 'POST', '/api/v1/orders', { id: 'decimals-2', price: '99999999.98', tax: '0.01' });
    assert.deepEqual(limit.body, { id: 'decimals-2', final_price: '99999999.99' });
    const strings = await call(api, 'POST', '/api/v1/orders', { id: 'decimals-3', price: '100', tax: '10.5', pickup: { lat: -23.6, lng: -46.7 } });
    assert.deepEqual(strings.body, { id: 'decimals-3', final_price: '110.50' });
    const order = await call(api, 'GET', '/api/v1/orders/decimals-3');
    assert.equal(order.status, 200);
    assert.deepEqual({ ...order.body, created_at: undefined, updated_at: undefined }, {
      id: 'decimals-3', price: '100.00', tax: '10.50', final_price: '110.50', status: 'PENDING', driver_id: null, pickup: { lat: -23.6, lng: -46.7 }, created_at: undefined, updated_at: undefined,
    });
  });

  it('answers 409 for a duplicate id and keeps the first order', async () => {
    assert.equal((await call(api, 'POST', '/api/v1/orders', { id: 'twice', price: 5, tax: 0 })).status, 201);
    const again = await call(api, 'POST', '/api/v1/orders', { id: 'twice', price: 7, tax: 0 });
    assert.equal(again.status, 409);
    assert.deepEqual(again.body, { error: 'an order with id "twice" exists already', code: 'DUPLICATE_ORDER' });
    assert.equal((await call(api, 'GET', '/api/v1/orders/twice')).body.price, '5.00');
  });

  it('answers 404 for an unknown order and 400 for an id that cannot be one', async () => {
    const missing = await call(api, 'GET', '/api/v1/orders/nobody');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'no order with id "nobody"');
    assert.equal((await call(api, 'POST', '/api/v1/orders/nobody/cancel')).status, 404);
    const bad = await call(api, 'GET', `/api/v1/orders/${'y'.repeat(65)}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'id must be at most 64 characters long');
  });

  it('cancels and delivers through the state machine, 409 with the current state when it refuses', async () => {
    await call(api, 'POST', '/api/v1/orders', { id: 'life-1', price: 10, tax: 1 });
    const early = await call(api, 'POST', '/api/v1/orders/life-1/deliver');
    assert.equal(early.status, 409);
    assert.deepEqual(early.body, { error: 'the order is PENDING: it cannot be delivered', code: 'INVALID_TRANSITION', status: 'PENDING' });
    assert.equal(await api.stores.dispatch.dispatch('life-1', 'driver-9', 'event-life-1'), 'applied');
    const delivered = await call(api, 'POST', '/api/v1/orders/life-1/deliver');
    assert.equal(delivered.status, 200);
    assert.equal(delivered.body.status, 'DELIVERED');
    assert.equal(delivered.body.driver_id, 'driver-9');
    const late = await call(api, 'POST', '/api/v1/orders/life-1/cancel');
    assert.equal(late.status, 409);
    assert.equal(late.body.status, 'DELIVERED');
    await call(api, 'POST', '/api/v1/orders', { id: 'life-2', price: 10, tax: 1 });
    const cancelled = await call(api, 'POST', '/api/v1/orders/life-2/cancel');
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'CANCELLED');
  });

  it('settles the cancel endpoint racing the worker\'s dispatch, 100 times: the cancel applies, the dispatch only if it came first', async () => {
    for (let i = 0; i < 100; i++) {
      const id = `race-${i}`;
      await call(api, 'POST', '/api/v1/orders', { id, price: 10, tax: 1 });
      const [cancel, dispatched] = await Promise.all([call(api, 'POST', `/api/v1/orders/${id}/cancel`), api.stores.dispatch.dispatch(id, 'driver-1', `race-event-${i}`)]);
      assert.equal(cancel.status, 200);
      assert.equal(cancel.body.status, 'CANCELLED');
      const order = (await call(api, 'GET', `/api/v1/orders/${id}`)).body;
      assert.equal(order.status, 'CANCELLED');
      assert.equal(order.driver_id, dispatched === 'applied' ? 'driver-1' : null, `dispatch ${dispatched}`);
    }
  });

  it('lets exactly one of a cancel and a delivery racing through the API win, 100 times; the other gets 409 with the state', async () => {
    for (let i = 0; i < 100; i++) {
      const id = `end-${i}`;
      await call(api, 'POST', '/api/v1/orders', { id, price: 10, tax: 1 });
      await api.stores.dispatch.dispatch(id, 'driver-1', `end-event-${i}`);
      const answers = await Promise.all([call(api, 'POST', `/api/v1/orders/${id}/cancel`), call(api, 'POST', `/api/v1/orders/${id}/deliver`)]);
      assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 409]);
      const winner = answers.find((answer) => answer.status === 200)!;
      const loser = answers.find((answer) => answer.status === 409)!;
      assert.equal(loser.body.status, winner.body.status);
    }
  });

  it('lists the newest orders', async () => {
    const list = await call(api, 'GET', '/api/v1/orders?limit=2');
    assert.equal(list.status, 200);
    assert.equal((list.body.orders as unknown[]).length, 2);
    assert.equal((await call(api, 'GET', '/api/v1/orders?limit=500')).status, 400);
  });

  it("continues the request's traceparent in the event's outbox row", async () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    await call(api, 'POST', '/api/v1/orders', { id: 'traced', price: 1, tax: 0 }, { traceparent: `00-${trace}-00f067aa0ba902b7-01` });
    const [row] = await api.stores.db.query<{ tracing_context: { traceparent: string } }>(`SELECT tracing_context FROM ${api.stores.db.schema}.outbox WHERE aggregate_id = 'traced'`);
    assert.match(row!.tracing_context.traceparent, new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`));
    assert.notEqual(row!.tracing_context.traceparent, `00-${trace}-00f067aa0ba902b7-01`, 'a new span of the same trace');
  });

  it('reports PostgreSQL and RabbitMQ on /health, and counts requests on /metrics', async () => {
    const health = await call(api, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.deepEqual(health.body.checks, { postgres: 'ok', rabbitmq: 'ok' });
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(metrics, /fleet_order_requests_total\{route="POST \/api\/v1\/orders",status="201"\} \d+/);
    assert.match(metrics, /fleet_order_create_seconds_count \d+/);
  });
});

describe('fleet api: limits and health', { skip }, () => {
  it('answers 429 with Retry-After past the rate limit of a client address', async () => {
    const api = await start({ rateLimit: { perSecond: 1, burst: 5 } });
    try {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await call(api, 'GET', '/api/v1/orders/nobody'));
      assert.deepEqual(answers.map((answer) => answer.status), [404, 404, 404, 404, 404, 429]);
      const limited = answers[5]!;
      assert.equal(limited.body.code, 'RATE_LIMITED');
      assert.match(String(limited.body.error), /at most 1 a second, in bursts of 5/);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.equal((await call(api, 'GET', '/health')).status, 200, '/health is not limited');
    } finally {
      await dropSchema(api);
    }
  });

  it('answers 503 on /health with the reason when RabbitMQ cannot be reached, and still takes orders', async () => {
    const api = await start({ amqp: `amqp://guest:guest@127.0.0.1:${await freePort()}` });
    try {
      const health = await call(api, 'GET', '/health');
      assert.equal(health.status, 503);
      assert.equal(health.body.status, 'unavailable');
      const checks = health.body.checks as Record<string, string>;
      assert.equal(checks.postgres, 'ok');
      assert.match(checks.rabbitmq!, /cannot reach RabbitMQ/);
      assert.equal((await call(api, 'POST', '/api/v1/orders', { id: 'while-down', price: 1, tax: 0 })).status, 201);
    } finally {
      await dropSchema(api);
    }
  });
});
