import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { BrokenCircuitError } from 'cockatiel';
import { createEnvelope } from '../../src/kit/bus/envelope.ts';
import { PermanentError } from '../../src/kit/bus/errors.ts';
import { Message } from '../../src/kit/bus/message.ts';
import { registry } from '../../src/kit/observe/metrics.ts';
import { SAO_PAULO_CENTRE } from '../../src/systems/fleet/domain/order-created.ts';
import { LocalDriverFinder } from '../../src/systems/fleet/roles/local-driver-finder.ts';
import { deduplicate } from '../../src/systems/fleet/roles/worker/deduplicate.ts';
import { NoDriverNearError, dispatchNearest } from '../../src/systems/fleet/roles/worker/dispatch-nearest.ts';
import { SEED_BACKOFF, fullJitter, jitteredRetryPolicy } from '../../src/systems/fleet/roles/worker/full-jitter.ts';
import { fallBackToManual } from '../../src/systems/fleet/roles/worker/manual-fallback.ts';
import { readOrderEvent } from '../../src/systems/fleet/roles/worker/order-event.ts';
import { countResults } from '../../src/systems/fleet/roles/worker/worker-metrics.ts';
import { type DispatchResult, type OrderEvent, type OrderHandler, compose } from '../../src/systems/fleet/roles/worker/order-pipeline.ts';
import { MemoryEventClaims } from '../../src/systems/fleet/store/event-claims.ts';
import { MemoryDispatchStore } from '../../src/systems/fleet/store/memory-dispatch-store.ts';
import { MemoryDriverIndex } from '../../src/systems/fleet/store/memory-driver-index.ts';
import { RedisEventClaims } from '../../src/systems/fleet/store/redis-event-claims.ts';

const event = (overrides: Partial<OrderEvent> = {}): OrderEvent => ({ eventId: 'e-1', orderId: 'o-1', attempt: 1, lastAttempt: false, ...overrides });
const dispatched: DispatchResult = { outcome: 'dispatched', driverId: 'd-1' };

/** A handler that records its calls and answers, or fails, as told. */
function countingHandler(answer: () => Promise<DispatchResult>): OrderHandler & { calls: number } {
  const handler = Object.assign(async () => {
    handler.calls++;
    return answer();
  }, { calls: 0 });
  return handler;
}

describe('full-jitter back-off', () => {
  it('waits between 0 and min(cap, base × 2^(attempt−1)), with the seed’s 1 s base and 30 s cap', () => {
    const ceilings = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
    ceilings.forEach((ceiling, i) => {
      assert.equal(fullJitter(SEED_BACKOFF, () => 0)(i + 1), 0);
      assert.equal(fullJitter(SEED_BACKOFF, () => 0.999_999_9)(i + 1), ceiling - 1, `attempt ${i + 1}`);
    });
    const delay = fullJitter(SEED_BACKOFF);
    const samples = Array.from({ length: 2_000 }, () => delay(3));
    assert.ok(samples.every((ms) => ms >= 0 && ms < 4_000));
    assert.ok(samples.some((ms) => ms < 1_000) && samples.some((ms) => ms >= 3_000), 'spread over the whole range');
  });

  it('gives the Bus the first delivery and three retries, then the dead-letter queue', () => {
    const policy = jitteredRetryPolicy(SEED_BACKOFF, () => 0.5);
    assert.equal(policy.maxAttempts, 4);
    assert.equal(typeof policy.retryDelayMs === 'function' && policy.retryDelayMs(2), 1_000);
    assert.throws(() => jitteredRetryPolicy({ ...SEED_BACKOFF, retries: -1 }), RangeError);
  });
});

describe('idempotency guard', () => {
  it('handles an event once and acks its later deliveries unhandled', async () => {
    const claims = new MemoryEventClaims();
    const next = countingHandler(async () => dispatched);
    const guarded = deduplicate(claims)(next);
    assert.deepEqual(await guarded(event()), dispatched);
    assert.deepEqual(await guarded(event()), { outcome: 'duplicate', guard: 'redis' });
    assert.equal(next.calls, 1);
    assert.equal(await claims.claim('e-1'), 'done');
  });

  it('removes its claim when the handling fails, so that the retry handles the event', async () => {
    const claims = new MemoryEventClaims();
    let fail = true;
    const next = countingHandler(async () => {
      if (fail) throw new Error('fleet service down');
      return dispatched;
    });
    const guarded = deduplicate(claims)(next);
    await assert.rejects(guarded(event()), /fleet service down/);
    assert.equal(await claims.claim('e-2'), 'claimed', 'another event is unaffected');
    fail = false;
    assert.deepEqual(await guarded(event()), dispatched);
    assert.equal(next.calls, 2);
  });

  it('handles an event another delivery holds (the inbox decides) and leaves that holder’s claim alone on failure', async () => {
    const claims = new MemoryEventClaims();
    assert.equal(await claims.claim('e-1'), 'claimed');
    const guarded = deduplicate(claims)(countingHandler(async () => Promise.reject(new Error('boom'))));
    await assert.rejects(guarded(event()), /boom/);
    assert.equal(await claims.claim('e-1'), 'processing', 'the first holder still holds it');
  });

  it('fails closed: with Redis unreachable nothing is handled and the delivery fails (to be retried)', async () => {
    const closed = await closedPort();
    const claims = RedisEventClaims.connect(`redis://127.0.0.1:${closed}`, { commandTimeoutMs: 200 });
    try {
      const next = countingHandler(async () => dispatched);
      await assert.rejects(deduplicate(claims)(next)(event()));
      assert.equal(next.calls, 0);
    } finally {
      await claims.close();
    }
  });
});

describe('dispatch to the nearest driver, with the manual fallback', () => {
  async function world() {
    const index = new MemoryDriverIndex();
    await index.add([{ id: 'Joao-da-Silva', lat: -23.55, lng: -46.63 }]);
    const store = new MemoryDispatchStore();
    store.add('o-1', SAO_PAULO_CENTRE);
    return { index, store, handle: fallBackToManual(store)(dispatchNearest(new LocalDriverFinder(index), store)) };
  }

  it('dispatches the order to the nearest driver, reading the pickup from the store when the event has none', async () => {
    const { store, handle } = await world();
    assert.deepEqual(await handle(event()), { outcome: 'dispatched', driverId: 'Joao-da-Silva' });
    assert.deepEqual(store.get('o-1'), { id: 'o-1', status: 'DISPATCHED', driverId: 'Joao-da-Silva', pickup: SAO_PAULO_CENTRE });
    assert.deepEqual(await handle(event()), { outcome: 'duplicate', guard: 'inbox' }, 'the inbox is the second guard');
  });

  it('retries while no driver is near, and sends the order to manual dispatch on the last attempt', async () => {
    const { store, handle } = await world();
    const far = { lat: -23.9, lng: -46.63 };
    await assert.rejects(handle(event({ pickup: far })), NoDriverNearError);
    assert.equal(store.get('o-1')?.status, 'PENDING');
    assert.deepEqual(await handle(event({ pickup: far, attempt: 4, lastAttempt: true })), { outcome: 'manual', reason: 'no-driver' });
    assert.equal(store.get('o-1')?.status, 'MANUAL_DISPATCH');
  });

  it('sends an order picked up beyond the searchable map (±85°) to manual dispatch at once', async () => {
    const { store, handle } = await world();
    assert.deepEqual(await handle(event({ pickup: { lat: 88, lng: 0 } })), { outcome: 'manual', reason: 'no-driver' });
    assert.equal(store.get('o-1')?.status, 'MANUAL_DISPATCH');
  });

  it('sends the order to manual dispatch when the breaker is open, and passes other failures on', async () => {
    const store = new MemoryDispatchStore();
    store.add('o-1', SAO_PAULO_CENTRE);
    const open = fallBackToManual(store)(async () => Promise.reject(new BrokenCircuitError()));
    assert.deepEqual(await open(event()), { outcome: 'manual', reason: 'breaker-open' });
    assert.equal(store.get('o-1')?.status, 'MANUAL_DISPATCH');
    await assert.rejects(fallBackToManual(store)(async () => Promise.reject(new Error('database down')))(event({ lastAttempt: true })), /database down/);
  });

  it('parks an event for an unknown order, and refuses to dispatch a cancelled one', async () => {
    const { store, handle } = await world();
    await assert.rejects(handle(event({ orderId: 'nope' })), PermanentError);
    await store.cancel('o-1', 'cancel-1');
    assert.deepEqual(await handle(event()), { outcome: 'refused' });
    assert.equal(store.get('o-1')?.status, 'CANCELLED');
  });

  it('runs middlewares outermost first', async () => {
    const order: string[] = [];
    const mark = (name: string) => (next: OrderHandler) => async (e: OrderEvent) => {
      order.push(name);
      return next(e);
    };
    await compose([mark('a'), mark('b')], async () => dispatched)(event());
    assert.deepEqual(order, ['a', 'b']);
  });
});

describe('result counters', () => {
  /** The value of one series of a counter in the process's registry. */
  async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = await registry.getSingleMetric(name)!.get();
    const series = metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return series?.value ?? 0;
  }

  it('counts each outcome, the manual ones by reason and the duplicates by guard, and the failures', async () => {
    const before = {
      dispatched: await value('fleet_worker_dispatched_total'),
      manual: await value('fleet_worker_manual_total', { reason: 'breaker-open' }),
      redis: await value('fleet_worker_duplicates_total', { guard: 'redis' }),
      processed: await value('fleet_worker_processed_total', { outcome: 'duplicate' }),
      failed: await value('fleet_worker_failed_total'),
    };
    const answers: DispatchResult[] = [dispatched, { outcome: 'manual', reason: 'breaker-open' }, { outcome: 'duplicate', guard: 'redis' }];
    for (const answer of answers) await countResults()(async () => answer)(event());
    await assert.rejects(countResults()(async () => Promise.reject(new Error('down')))(event()));
    assert.equal(await value('fleet_worker_dispatched_total'), before.dispatched + 1);
    assert.equal(await value('fleet_worker_manual_total', { reason: 'breaker-open' }), before.manual + 1);
    assert.equal(await value('fleet_worker_duplicates_total', { guard: 'redis' }), before.redis + 1);
    assert.equal(await value('fleet_worker_processed_total', { outcome: 'duplicate' }), before.processed + 1);
    assert.equal(await value('fleet_worker_failed_total'), before.failed + 1);
  });
});

describe('reading an OrderCreated delivery', () => {
  const message = (body: unknown, headers: Record<string, string> = {}, attempt = 1) =>
    new Message(createEnvelope(Buffer.from(JSON.stringify(body)), { contentType: 'application/json', headers, attempt }));

  it('takes the order id, the pickup and the x-event-id header', () => {
    const read = readOrderEvent(message({ id: 'o-1', final_price: '12.30', pickup: { lat: -23.5, lng: -46.6 } }, { 'x-event-id': 'ev-9' }, 4), 4);
    assert.deepEqual(read, { eventId: 'ev-9', orderId: 'o-1', pickup: { lat: -23.5, lng: -46.6 }, attempt: 4, lastAttempt: true });
  });

  it('names an event without x-event-id by a hash of its body, the same for the same body', () => {
    const a = readOrderEvent(message({ id: 'o-1' }), 4);
    assert.match(a.eventId, /^[0-9a-f]{64}$/);
    assert.equal(readOrderEvent(message({ id: 'o-1' }), 4).eventId, a.eventId);
    assert.equal(a.pickup, undefined);
  });

  it('parks what is not an OrderCreated, saying why', () => {
    assert.throws(() => readOrderEvent(message([1, 2]), 4), /JSON object/);
    assert.throws(() => readOrderEvent(message({ id: '' }), 4), (err) => err instanceof PermanentError && /"id"/.test(err.message));
    assert.throws(() => readOrderEvent(message({ id: 'o', pickup: { lat: 100, lng: 0 } }), 4), /pickup is wrong/);
    assert.throws(() => readOrderEvent(message({ id: 'o', pickup: { lat: '1', lng: 0 } }), 4), /pickup is wrong/);
    assert.throws(() => readOrderEvent(message({ id: 'o' }, { 'x-event-id': 'x'.repeat(65) }), 4), /at most 64/);
    const garbage = new Message(createEnvelope(Buffer.from('{not json'), { contentType: 'application/json' }));
    assert.throws(() => readOrderEvent(garbage, 4), PermanentError);
  });
});

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
