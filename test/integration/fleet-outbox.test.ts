import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, describe, it } from 'node:test';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { createLogger } from '../../src/kit/observe/log.ts';
import { EVENT_HEADERS } from '../../src/systems/fleet/domain/order-created.ts';
import { AmqpOutboxPublisher, type AmqpTopology } from '../../src/systems/fleet/roles/amqp-outbox-publisher.ts';
import { BusOutboxPublisher } from '../../src/systems/fleet/roles/bus-outbox-publisher.ts';
import { OutboxRelay, type RelayOptions } from '../../src/systems/fleet/roles/outbox-relay.ts';
import type { FleetStores } from '../../src/systems/fleet/store/fleet-stores.ts';
import { startCli } from '../helpers/cli-process.ts';
import { engine, freePort } from '../helpers/engines.ts';
import { type CapturedMessage, FleetStoreFixture, captureExchange, eventually, newOrder, testTopology } from '../helpers/fleet-fixtures.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';

const postgres = engine('postgres');
const amqp = engine('amqp');
const log = createLogger('test.relay');

/** Orders `count` orders with ids prefix-0…, a few at a time; resolves with their ids. */
async function createOrders(stores: FleetStores, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => stores.orders.create(newOrder(id), `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`)));
  return ids;
}

const counts = (stores: FleetStores) => () => stores.outbox.counts();

/** How many times each order's event arrived. */
function arrivals(messages: CapturedMessage[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const message of messages) seen.set(String(message.body.id), (seen.get(String(message.body.id)) ?? 0) + 1);
  return seen;
}

describe('fleet outbox relay on PostgreSQL and RabbitMQ', { skip: postgres.skip ?? amqp.skip }, () => {
  const fixture = new FleetStoreFixture('postgres', postgres.url, postgres.skip);
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    await fixture.cleanup();
  });
  after(() => fixture.close());

  async function relayOn(stores: FleetStores, topology: AmqpTopology, options: Partial<RelayOptions> = {}, url = amqp.url!): Promise<OutboxRelay> {
    const publisher = new AmqpOutboxPublisher(url, topology);
    const relay = new OutboxRelay(stores.outbox, publisher, log, options);
    cleanups.push(() => publisher.close(), () => relay.stop());
    await relay.start();
    return relay;
  }

  async function capture(topology: AmqpTopology) {
    const captured = await captureExchange(amqp.url!, topology);
    cleanups.push(() => captured.stop());
    return captured;
  }

  it('publishes each order once through the exchange with its headers, marks it PUBLISHED, and the Bus consumes it from its queue', async () => {
    const stores = await fixture.stores();
    const topology = testTopology('relay');
    const captured = await capture(topology);
    const bus: Bus = await createBus(amqp.url!);
    cleanups.push(() => bus.close({ graceMs: 0 }));
    const consumed: Array<{ body: unknown; headers: Record<string, string> }> = [];
    await relayOn(stores, topology);
    await bus.consume(topology.queue, (message) => void consumed.push({ body: message.body, headers: message.headers }));
    const ids = await createOrders(stores, 'once', 50);
    await captured.until(50);
    await eventually(counts(stores), (c) => c.PUBLISHED === 50);
    assert.deepEqual([...arrivals(captured.messages).entries()].sort(), ids.map((id) => [id, 1]).sort());
    const rows = await stores.db.query<{ id: string; aggregate_id: string; tracing_context: { traceparent: string } }>(`SELECT id, aggregate_id, tracing_context FROM ${stores.db.schema}.outbox`);
    const byOrder = new Map(rows.map((row) => [row.aggregate_id, row]));
    for (const message of captured.messages) {
      const row = byOrder.get(String(message.body.id))!;
      assert.equal(message.messageId, row.id);
      assert.equal(String(message.headers[EVENT_HEADERS.eventId]), row.id);
      assert.equal(String(message.headers[EVENT_HEADERS.eventVersion]), '1');
      assert.equal(String(message.headers[EVENT_HEADERS.aggregateId]), row.aggregate_id);
      assert.equal(String(message.headers[EVENT_HEADERS.traceparent]), row.tracing_context.traceparent);
      assert.deepEqual(message.body, { id: row.aggregate_id, final_price: '110.00', pickup: { lat: -23.5505, lng: -46.6333 } });
    }
    await eventually(async () => consumed.length, (n) => n === 50);
    assert.deepEqual(consumed[0]!.body, { id: consumed[0]!.headers[EVENT_HEADERS.aggregateId], final_price: '110.00', pickup: { lat: -23.5505, lng: -46.6333 } });
    assert.match(consumed[0]!.headers[EVENT_HEADERS.eventId]!, /^[0-9a-f-]{36}$/);
  });

  it('shares the rows between two relays on one database without publishing any twice', async () => {
    const stores = await fixture.stores();
    const other = await fixture.stores(stores.db.schema);
    const topology = testTopology('two');
    const captured = await capture(topology);
    const ids = await createOrders(stores, 'shared', 600);
    const [first, second] = await Promise.all([relayOn(stores, topology), relayOn(other, topology)]);
    await eventually(counts(stores), (c) => c.PUBLISHED === 600);
    await captured.until(600);
    assert.deepEqual([...arrivals(captured.messages).values()].filter((n) => n !== 1), [], 'no event arrived twice');
    assert.deepEqual([...arrivals(captured.messages).keys()].sort(), [...ids].sort());
    assert.equal(first.stats().published + second.stats().published, 600);
  });

  it('keeps rows PENDING while RabbitMQ cannot be reached, then publishes them once it can', async () => {
    const stores = await fixture.stores();
    const topology = testTopology('down');
    const captured = await capture(topology);
    const port = await freePort();
    const relay = await relayOn(stores, topology, { pollMs: 50 }, `amqp://guest:guest@127.0.0.1:${port}`);
    const ids = await createOrders(stores, 'waiting', 20);
    await eventually(async () => relay.stats().problem, (problem) => problem !== undefined);
    // Several of the relay's attempts to connect go by here.
    await new Promise((resolve) => setTimeout(resolve, 800));
    const waiting = await stores.db.query<{ status: string; retry_count: number }>(`SELECT status, retry_count FROM ${stores.db.schema}.outbox`);
    assert.equal(waiting.length, 20);
    assert.ok(waiting.every((row) => row.status === 'PENDING' && row.retry_count === 0), JSON.stringify(waiting));
    assert.match(relay.stats().problem!, /cannot reach RabbitMQ/);
    const target = new URL(amqp.url!);
    const proxy = await new TcpProxy(target.hostname, Number(target.port || 5672)).start(port);
    cleanups.push(() => proxy.stop());
    await eventually(counts(stores), (c) => c.PUBLISHED === 20, 20_000);
    await captured.until(20);
    assert.deepEqual([...arrivals(captured.messages).keys()].sort(), [...ids].sort());
    assert.equal(relay.stats().problem, undefined);
  });

  it('puts the rows of a batch cut off by a dropped connection back to PENDING, and none ends FAILED', async () => {
    const stores = await fixture.stores();
    const topology = testTopology('drop');
    const captured = await capture(topology);
    const target = new URL(amqp.url!);
    const proxy = await new TcpProxy(target.hostname, Number(target.port || 5672)).start();
    cleanups.push(() => proxy.stop());
    const relay = await relayOn(stores, topology, { pollMs: 20, retry: { maxAttempts: 3, baseMs: 50, capMs: 200 } }, proxy.urlFor(amqp.url!));
    const ids: string[] = [];
    for (let round = 0; round < 5; round++) {
      ids.push(...(await createOrders(stores, `drop-${round}`, 100)));
      proxy.drop();
    }
    const final = await eventually(counts(stores), (c) => c.PUBLISHED + c.FAILED === ids.length, 30_000);
    assert.equal(final.FAILED, 0);
    await captured.until(ids.length);
    assert.deepEqual([...arrivals(captured.messages).keys()].sort(), [...ids].sort(), 'every event arrived at least once');
    assert.equal(relay.stats().failed, 0);
  });

  it("runs the janitor: rows a dead relay left PROCESSING go back and get published, old finished rows are deleted", async () => {
    const stores = await fixture.stores();
    const topology = testTopology('janitor');
    const captured = await capture(topology);
    const ids = await createOrders(stores, 'stuck', 5);
    await stores.outbox.claim(5);
    await stores.db.query(`UPDATE ${stores.db.schema}.outbox SET updated_at = now() - interval '10 seconds'`);
    await relayOn(stores, topology, { janitorEveryMs: 100, stuckAfterMs: 5_000, retainMs: 3_600_000 });
    await eventually(counts(stores), (c) => c.PUBLISHED === 5);
    await captured.until(5);
    assert.deepEqual([...arrivals(captured.messages).entries()].sort(), ids.map((id) => [id, 1]).sort());
    await stores.db.query(`UPDATE ${stores.db.schema}.outbox SET created_at = now() - interval '2 hours'`);
    await eventually(counts(stores), (c) => c.PUBLISHED === 0);
  });

  it('publishes every event at least once when a relay process is killed -9 holding a batch', async () => {
    const stores = await fixture.stores();
    const topology = testTopology('kill');
    const captured = await capture(topology);
    const ids = await createOrders(stores, 'killed', 3_000);
    const args = ['fleet', 'relay', '--postgres', postgres.url!, '--amqp', amqp.url!, '--schema', stores.db.schema, '--exchange', topology.exchange, '--queue', topology.queue, '--stuck-after', '1s', '--janitor-every', '250ms'];
    const first = startCli(args);
    cleanups.push(async () => first.kill('SIGKILL'));
    const atKill = await eventually(counts(stores), (c) => c.PROCESSING > 0 && c.PUBLISHED > 0, 60_000);
    first.kill('SIGKILL');
    assert.ok(atKill.PENDING > 0, `work was left when it died: ${JSON.stringify(atKill)}`);
    const second = startCli(args);
    cleanups.push(async () => second.kill('SIGINT'));
    await eventually(counts(stores), (c) => c.PUBLISHED === ids.length, 60_000);
    await captured.until(ids.length);
    const seen = arrivals(captured.messages);
    assert.deepEqual([...seen.keys()].sort(), [...ids].sort(), 'every event arrived at least once');
  });
});

describe('fleet outbox relay, embedded: PGlite and the in-memory bus', () => {
  const fixture = new FleetStoreFixture('pglite', undefined, undefined);
  after(() => fixture.close());

  it("sends each event to the Bus's orders.created queue with the same headers", async () => {
    const stores = await fixture.stores();
    const bus = await createBus(`memory://fleet-${randomUUID()}`);
    const relay = new OutboxRelay(stores.outbox, new BusOutboxPublisher(bus), log);
    const consumed: Array<{ body: { id: string }; headers: Record<string, string> }> = [];
    try {
      await bus.consume<{ id: string }>('orders.created', (message) => void consumed.push({ body: message.body, headers: message.headers }));
      await relay.start();
      const ids = await createOrders(stores, 'embedded', 10);
      await eventually(async () => consumed.length, (n) => n === 10);
      assert.deepEqual(consumed.map((message) => message.body.id).sort(), [...ids].sort());
      for (const { body, headers } of consumed) {
        assert.equal(headers[EVENT_HEADERS.aggregateId], body.id);
        assert.equal(headers[EVENT_HEADERS.eventVersion], '1');
        assert.equal(headers[EVENT_HEADERS.traceparent], `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`);
      }
      await eventually(counts(stores), (c) => c.PUBLISHED === 10);
    } finally {
      await relay.stop();
      await bus.close();
    }
  });
});
