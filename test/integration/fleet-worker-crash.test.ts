import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import pg from 'pg';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { openRedis } from '../../src/kit/store/redis-client.ts';
import { SAO_PAULO_CENTRE } from '../../src/systems/fleet/domain/order-created.ts';
import { FleetCommandError } from '../../src/systems/fleet/commands/fleet-command-error.ts';
import { CRASH_AFTER_COMMIT_ENV, openWorkerStore } from '../../src/systems/fleet/commands/worker-store.ts';
import { type FleetService, startFleetService } from '../../src/systems/fleet/roles/fleet-service.ts';
import { RedisDriverIndex } from '../../src/systems/fleet/store/redis-driver-index.ts';
import { exitOf, freePort, startCli, stopGracefully } from '../helpers/cli-process.ts';
import { engine } from '../helpers/engines.ts';
import { waitFor } from '../helpers/wait.ts';

const amqp = engine('amqp');
const redisEngine = engine('redis');
const postgres = engine('postgres');
const schema = `t_crash_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

/** The worker's --postgres store, or why this build cannot run the test (it has no PostgreSQL DispatchStore). */
async function storeProbe(): Promise<string | undefined> {
  if (!postgres.url) return postgres.skip;
  try {
    await (await openWorkerStore(postgres.url, schema)).close();
    return undefined;
  } catch (err) {
    if (err instanceof FleetCommandError) return err.message;
    throw err;
  }
}

const skip = amqp.skip ?? redisEngine.skip ?? (await storeProbe());

/** A counter's value from a Prometheus text page, 0 when absent. */
function counter(page: string, series: string): number {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('fleet worker killed -9 between its commit and its ack', { skip, timeout: 120_000 }, () => {
  const queue = `test.fleet-crash.${randomUUID().slice(0, 8)}`;
  const key = `test:fleet:crash:${randomUUID()}`;
  let redis: Redis;
  let service: FleetService;
  let relay: Bus;
  let db: pg.Client;

  before(async () => {
    redis = await openRedis(redisEngine.url!, 'fleet-crash-test');
    const index = new RedisDriverIndex(redis, key);
    await index.add([{ id: 'Joao-da-Silva', lat: -23.55, lng: -46.63 }]);
    service = await startFleetService({ index, port: 0 });
    relay = await createBus(amqp.url);
    db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
  });
  after(async () => {
    await relay?.deleteQueue(queue).catch(() => {});
    await relay?.close();
    await service?.close(0);
    await redis?.del(key);
    redis?.disconnect();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.end();
  });

  const workerArgs = (metricsPort?: number) => [
    'fleet', 'worker', '--amqp', amqp.url!, '--postgres', postgres.url!, '--schema', schema, '--redis', redisEngine.url!,
    '--fleet', `127.0.0.1:${service.port}`, '--queue', queue, '--retry-base', '50ms', ...(metricsPort ? ['--metrics-port', String(metricsPort)] : []),
  ];

  it('redelivers the event to the next worker, which dispatches nothing twice', async () => {
    // The order as the API writes it (the store's schema was made by the probe above).
    const id = `crash-${randomUUID()}`;
    await db.query(`INSERT INTO ${schema}.orders (id, price, tax, final_price, pickup_lat, pickup_lng) VALUES ($1, 100, 10, 110, $2, $3)`, [id, SAO_PAULO_CENTRE.lat, SAO_PAULO_CENTRE.lng]);
    const eventId = randomUUID();

    const first = startCli(workerArgs(), { [CRASH_AFTER_COMMIT_ENV]: '1' });
    await waitFor(() => first.output().includes('consuming'), 'the first worker up', 30_000);
    await relay.send(queue, { id, final_price: '110.00', pickup: SAO_PAULO_CENTRE }, { headers: { 'x-event-id': eventId, 'x-event-version': '1', 'x-aggregate-id': id } });
    await exitOf(first, 30_000);
    assert.equal(first.signalCode, 'SIGKILL', first.output());

    const committed = await db.query(`SELECT status, driver_id, updated_at FROM ${schema}.orders WHERE id = $1`, [id]);
    assert.equal(committed.rows[0].status, 'DISPATCHED', 'the first worker committed before it died');
    assert.equal(committed.rows[0].driver_id, 'Joao-da-Silva');

    const metricsPort = await freePort();
    const second = startCli(workerArgs(metricsPort));
    try {
      const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined))?.text() ?? '';
      await waitFor(async () => counter(await metrics(), 'fleet_worker_processed_total{outcome="duplicate"}') === 1, 'the redelivery handled', 30_000);
      const page = await metrics();
      assert.equal(counter(page, 'fleet_worker_duplicates_total{guard="inbox"}'), 1, 'the inbox caught it: its Redis key was still "processing"');
      assert.equal(counter(page, 'fleet_worker_dispatched_total'), 0);
    } finally {
      assert.equal(await stopGracefully(second), 0, second.output());
    }
    const now = await db.query(`SELECT status, driver_id, updated_at FROM ${schema}.orders WHERE id = $1`, [id]);
    assert.deepEqual(now.rows[0], committed.rows[0], 'the order is as the first worker left it');
    const inbox = await db.query(`SELECT count(*)::int AS n FROM ${schema}.processed_events WHERE event_id = $1`, [eventId]);
    assert.equal(inbox.rows[0].n, 1);
    assert.deepEqual(await relay.deadLetters(queue), []);
  });
});
