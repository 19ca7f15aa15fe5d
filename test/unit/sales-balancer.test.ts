import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { RemoteError } from '../../src/kit/bus/errors.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { createLogger } from '../../src/kit/observe/log.ts';
import { MAX_REQUEST_BYTES, SALES_REQUESTS_QUEUE } from '../../src/systems/sales/domain/protocol.ts';
import type { SalesResponse } from '../../src/systems/sales/domain/sales-query.ts';
import { InlineQueryExecutor } from '../../src/systems/sales/roles/query-executor.ts';
import { SalesBalancer } from '../../src/systems/sales/roles/sales-balancer.ts';
import { SalesWorker } from '../../src/systems/sales/roles/sales-worker.ts';
import { seedDatabase } from '../../src/systems/sales/store/seed-database.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const log = createLogger('test');

/** A query padded with an ignored field to exactly `bytes` of JSON. */
function queryOfSize(bytes: number): Record<string, string> {
  const query = { region: 'Asia', padding: '' };
  query.padding = 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(query)));
  assert.equal(Buffer.byteLength(JSON.stringify(query)), bytes);
  return query;
}

describe('sales balancer and worker on the in-process bus', () => {
  let dir = '';
  let db = '';
  let bus: Bus;
  const running: Array<{ stop(): Promise<void> }> = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sales-balancer-'));
    db = join(dir, 'sales.db');
    await seedDatabase(db, { sales: 1_000, products: 100, seed: 5 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    for (const role of running.splice(0).reverse()) await role.stop();
    await bus.close({ graceMs: 0 });
  });

  async function startBalancer(workers: string[], options: { prefetch?: number; maxOutstandingPerWorker?: number } = {}): Promise<SalesBalancer> {
    const balancer = new SalesBalancer({ bus, workers, log, ...options });
    await balancer.start();
    running.push(balancer);
    return balancer;
  }

  async function startWorker(id: string, options: { prefetch?: number; delayMs?: number } = {}): Promise<SalesWorker> {
    const executor = new InlineQueryExecutor(db);
    const worker = new SalesWorker({ bus, id, executor, log, ...options });
    await worker.start();
    const stop = async () => {
      await worker.stop();
      await executor.close();
    };
    running.push({ stop });
    return worker;
  }

  it('refuses a request over 16 KiB with an error reply saying why, and answers one of exactly 16 KiB', async () => {
    bus = await createBus(`memory://sales-${randomUUID()}`);
    const balancer = await startBalancer(['w1']);
    await startWorker('w1');
    await waitFor(() => balancer.stats().every((s) => s.healthy), 'the worker to be up');

    const answer = await bus.request<SalesResponse>(SALES_REQUESTS_QUEUE, queryOfSize(MAX_REQUEST_BYTES));
    assert.ok(answer.total_sales_count > 0, 'Asia has sales');
    const tooBig = queryOfSize(MAX_REQUEST_BYTES + 1);
    const refused = (err: unknown) => err instanceof RemoteError && /16385 bytes.*16384/.test(err.message);
    await assert.rejects(bus.request(SALES_REQUESTS_QUEUE, tooBig), refused, 'the balancer refuses it');
    await assert.rejects(bus.request('w1', tooBig), refused, 'so does a worker sent it directly');
    assert.equal(balancer.stats()[0]!.total, 1, 'the refused request was never forwarded');
  });

  it('holds requests while no worker is up, at most its prefetch, and answers them all when one starts', async () => {
    bus = await createBus(`memory://sales-${randomUUID()}`);
    const balancer = await startBalancer(['w1'], { prefetch: 2 });
    const settled: string[] = [];
    const answers = Array.from({ length: 5 }, (_, i) =>
      bus.request<SalesResponse>(SALES_REQUESTS_QUEUE, { region: 'Europe' }, { timeoutMs: 30_000 }).finally(() => settled.push(String(i))),
    );
    await waitFor(async () => (await bus.transport.browse(SALES_REQUESTS_QUEUE, 10)).length === 3, 'the balancer to take its prefetch of two');
    await sleep(300);
    assert.equal((await bus.transport.browse(SALES_REQUESTS_QUEUE, 10)).length, 3, 'the rest stay queued');
    assert.deepEqual(settled, [], 'nothing is answered or failed while no worker is up');
    assert.equal(balancer.stats()[0]!.total, 0);

    await startWorker('w1');
    const replies = await Promise.all(answers);
    assert.equal(replies.length, 5);
    for (const reply of replies) assert.equal(reply.region_processed, 'w1');
    assert.equal(balancer.stats()[0]!.total, 5);
  });

  // Where the broker keeps no bound on a worker's queue (queues declared the seed's way), the balancer keeps it.
  it('forwards no more to a worker than its bound on outstanding requests, and holds the rest until it has room', async () => {
    bus = await createBus(`memory://sales-${randomUUID()}`);
    const balancer = await startBalancer(['w1'], { maxOutstandingPerWorker: 2 });
    await startWorker('w1', { prefetch: 1, delayMs: 100 });
    await waitFor(() => balancer.stats().every((s) => s.healthy), 'the worker to be up');
    let done = false;
    let mostOutstanding = 0;
    let mostQueued = 0;
    const watching = (async () => {
      while (!done) {
        mostOutstanding = Math.max(mostOutstanding, balancer.stats()[0]!.pending);
        mostQueued = Math.max(mostQueued, (await bus.transport.browse('w1', 10)).length);
        await sleep(5);
      }
    })();
    const replies = await Promise.all(Array.from({ length: 8 }, () => bus.request<SalesResponse>(SALES_REQUESTS_QUEUE, { region: 'Asia' }, { timeoutMs: 30_000 })));
    done = true;
    await watching;
    assert.equal(replies.length, 8);
    assert.equal(balancer.stats()[0]!.total, 8);
    assert.equal(mostOutstanding, 2, 'the worker had two at a time, one in hand and one queued');
    assert.equal(mostQueued, 1);
  });
});
