import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { openRedis } from '../../src/kit/store/redis-client.ts';
import { stepFrom } from '../../src/systems/fleet/domain/geo.ts';
import { type GeoPoint, SAO_PAULO_CENTRE } from '../../src/systems/fleet/domain/order-created.ts';
import { GrpcDriverFinder } from '../../src/systems/fleet/grpc/grpc-driver-finder.ts';
import type { BreakerSettings, BreakerState } from '../../src/systems/fleet/roles/fleet-breaker.ts';
import { type FleetService, startFleetService } from '../../src/systems/fleet/roles/fleet-service.ts';
import { DispatchWorker } from '../../src/systems/fleet/roles/worker/dispatch-worker.ts';
import type { BackoffSettings } from '../../src/systems/fleet/roles/worker/full-jitter.ts';
import type { DispatchResult } from '../../src/systems/fleet/roles/worker/order-pipeline.ts';
import type { EventClaims } from '../../src/systems/fleet/store/event-claims.ts';
import { MemoryDispatchStore } from '../../src/systems/fleet/store/memory-dispatch-store.ts';
import { RedisDriverIndex } from '../../src/systems/fleet/store/redis-driver-index.ts';
import { RedisEventClaims } from '../../src/systems/fleet/store/redis-event-claims.ts';
import { BusFixture } from '../helpers/bus-fixtures.ts';
import { freePort } from '../helpers/cli-process.ts';
import { engine } from '../helpers/engines.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const amqp = engine('amqp');
const redisEngine = engine('redis');
const MARIA = { lat: -23.6, lng: -46.7 };
const FAST_RETRIES: Partial<BackoffSettings> = { retries: 3, baseMs: 50, capMs: 200 };

interface WorldOptions {
  claimsUrl?: string;
  breaker?: Partial<BreakerSettings>;
  backoff?: Partial<BackoffSettings>;
}

/** RabbitMQ, Redis and a gRPC fleet service, a worker between them, and an in-memory store; all named for this test. */
class World {
  readonly fixture = new BusFixture('amqp', amqp.url, amqp.skip);
  readonly queue = this.fixture.queue('fleet-orders');
  readonly store = new MemoryDispatchStore();
  readonly results: DispatchResult[] = [];
  readonly breakerStates: BreakerState[] = [];
  readonly #key = `test:fleet:worker:${randomUUID()}`;
  readonly #closers: Array<() => Promise<unknown>> = [];
  redis!: Redis;
  index!: RedisDriverIndex;
  service: FleetService | undefined;
  servicePort = 0;
  relay!: Bus;
  workers: DispatchWorker[] = [];

  async start(options: WorldOptions = {}): Promise<this> {
    this.redis = await openRedis(redisEngine.url!, 'fleet-worker-test');
    this.#closers.push(async () => (await this.redis.del(this.#key), this.redis.disconnect()));
    this.index = new RedisDriverIndex(this.redis, this.#key);
    await this.index.add([
      { id: 'Joao-da-Silva', lat: -23.55, lng: -46.63 },
      { id: 'Maria-Longe', ...MARIA },
    ]);
    this.servicePort = await freePort();
    await this.startService();
    this.relay = await this.fixture.bus();
    await this.startWorker(options);
    return this;
  }

  async startService(): Promise<void> {
    this.service = await startFleetService({ index: this.index, port: this.servicePort });
  }

  async stopService(): Promise<void> {
    await this.service?.close(0);
    this.service = undefined;
  }

  async startWorker(options: WorldOptions = {}): Promise<DispatchWorker> {
    const claims: EventClaims = RedisEventClaims.connect(options.claimsUrl ?? redisEngine.url!, { prefix: `${this.#key}:dedup:`, commandTimeoutMs: 500 });
    if (!options.claimsUrl) await (claims as RedisEventClaims).ready(5_000);
    const finder = new GrpcDriverFinder(`127.0.0.1:${this.servicePort}`, { maxReconnectBackoffMs: 200 });
    const bus = await this.fixture.bus();
    const worker = await DispatchWorker.start({
      bus,
      queue: this.queue,
      claims,
      finder,
      store: this.store,
      breaker: options.breaker,
      backoff: options.backoff ?? FAST_RETRIES,
      onResult: (result) => this.results.push(result),
      onBreakerChange: (state) => this.breakerStates.push(state),
    });
    this.workers.push(worker);
    this.#closers.push(() => worker.close(), () => finder.close(), () => claims.close());
    return worker;
  }

  /** Creates the order and publishes its OrderCreated as the outbox relay does: JSON body and the event headers. */
  async order(id: string, pickup: GeoPoint = SAO_PAULO_CENTRE, eventId: string = randomUUID()): Promise<string> {
    if (!this.store.get(id)) this.store.add(id, pickup);
    await this.relay.send(this.queue, { id, final_price: '110.00', pickup }, { headers: { 'x-event-id': eventId, 'x-event-version': '1', 'x-aggregate-id': id } });
    return eventId;
  }

  status(id: string): string | undefined {
    return this.store.get(id)?.status;
  }

  async until(ids: string[], status: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(() => ids.every((id) => this.status(id) === status), `${ids.join(', ')} ${status}`, timeoutMs);
  }

  async close(): Promise<void> {
    for (const close of this.#closers.reverse()) await close().catch(() => {});
    await this.stopService();
    await this.fixture.cleanup();
  }
}

describe('fleet worker on RabbitMQ, Redis and the gRPC fleet service', { skip: amqp.skip ?? redisEngine.skip, timeout: 120_000 }, () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('dispatches each published order to the driver nearest its pickup point', async () => {
    world = await new World().start();
    const ids = Array.from({ length: 6 }, (_, i) => `order-${i}-${randomUUID()}`);
    for (const [i, id] of ids.entries()) await world.order(id, i % 2 === 0 ? SAO_PAULO_CENTRE : stepFrom(MARIA, 300, 1));
    await world.until(ids, 'DISPATCHED');
    assert.deepEqual(
      ids.map((id) => world!.store.get(id)?.driverId),
      ids.map((_, i) => (i % 2 === 0 ? 'Joao-da-Silva' : 'Maria-Longe')),
    );
  });

  it('dispatches an event delivered twice once', async () => {
    world = await new World().start();
    const id = `order-${randomUUID()}`;
    const eventId = await world.order(id);
    await world.order(id, SAO_PAULO_CENTRE, eventId);
    await waitFor(() => world!.results.length === 2, 'both deliveries handled', 30_000);
    assert.deepEqual(world.results.map((r) => r.outcome).sort(), ['dispatched', 'duplicate']);
    assert.equal(world.status(id), 'DISPATCHED');
    // A third delivery, long after, is caught by Redis before any search.
    await world.order(id, SAO_PAULO_CENTRE, eventId);
    await waitFor(() => world!.results.length === 3, 'the third delivery handled', 30_000);
    assert.deepEqual(world.results[2], { outcome: 'duplicate', guard: 'redis' });
  });

  it('opens the breaker when the fleet service is down and sends orders to manual dispatch; closes it when the service is back', async () => {
    world = await new World().start({ breaker: { minimumRequests: 3, failureRatio: 0.6, halfOpenAfterMs: 1_000, callTimeoutMs: 5_000 } });
    await world.stopService();
    const during = Array.from({ length: 6 }, (_, i) => `down-${i}-${randomUUID()}`);
    for (const id of during) await world.order(id);
    await world.until(during, 'MANUAL_DISPATCH');
    await waitFor(() => world!.results.length === during.length, 'every delivery handled');
    assert.equal(world.workers[0]!.breakerState, 'open');
    assert.ok(world.results.some((r) => r.outcome === 'manual' && r.reason === 'breaker-open'));
    assert.deepEqual(await world.relay.deadLetters(world.queue), [], 'nothing parked');

    await world.startService();
    await sleep(1_100); // the breaker's open time, so that the next call is its probe
    const after = Array.from({ length: 3 }, (_, i) => `back-${i}-${randomUUID()}`);
    for (const id of after) await world.order(id);
    await world.until(after, 'DISPATCHED');
    assert.equal(world.workers[0]!.breakerState, 'closed');
    assert.deepEqual(world.breakerStates.slice(-3), ['open', 'half-open', 'closed']);
  });

  it('retries an order with no driver near, then sends it to manual dispatch', async () => {
    world = await new World().start();
    const id = `far-${randomUUID()}`;
    await world.order(id, stepFrom(SAO_PAULO_CENTRE, 25_000, Math.PI));
    await world.until([id], 'MANUAL_DISPATCH');
    await waitFor(() => world!.results.length === 1, 'the delivery handled');
    assert.deepEqual(world.results, [{ outcome: 'manual', reason: 'no-driver' }]);
  });

  it('handles nothing while Redis is unreachable: the event is retried, parked, and dispatched once replayed', async () => {
    const closedPort = await freePort();
    world = await new World().start({ claimsUrl: `redis://127.0.0.1:${closedPort}`, backoff: { retries: 2, baseMs: 20, capMs: 50 } });
    const id = `no-redis-${randomUUID()}`;
    await world.order(id);
    await waitFor(async () => (await world!.relay.deadLetters(world!.queue)).length === 1, 'the event parked', 30_000);
    assert.equal(world.status(id), 'PENDING', 'nothing was processed');
    assert.deepEqual(world.results, []);
    const [parked] = await world.relay.deadLetters(world.queue);
    assert.equal(parked!.attempt, 3, 'the first delivery and two retries');
    assert.deepEqual(JSON.parse(Buffer.from(parked!.body).toString()), { id, final_price: '110.00', pickup: SAO_PAULO_CENTRE });

    // Nothing lost: with Redis reachable again, the parked event is replayed and handled.
    await world.workers[0]!.close();
    await world.startWorker();
    assert.equal(await world.relay.replayDeadLetters(world.queue), 1);
    await world.until([id], 'DISPATCHED');
  });

  it('parks an event that is not an OrderCreated, with the reason, and goes on with the next', async () => {
    world = await new World().start();
    await world.relay.send(world.queue, { price: 10 }, { headers: { 'x-event-id': randomUUID() } });
    const id = `after-bad-${randomUUID()}`;
    await world.order(id);
    await world.until([id], 'DISPATCHED');
    await waitFor(async () => (await world!.relay.deadLetters(world!.queue)).length === 1, 'the bad event parked');
    const [parked] = await world.relay.deadLetters(world.queue);
    assert.match(parked!.headers['x-dead-letter-reason'] ?? '', /PermanentError: an OrderCreated body has "id"/);
  });
});
