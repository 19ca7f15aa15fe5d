import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ProcessorEmulator, startProcessorEmulator } from '../../src/systems/payments/emulator/processor-emulator.ts';
import { binarySkip } from '../helpers/binaries.ts';
import { exitOf, freePort, startCli } from '../helpers/cli-process.ts';
import { configure, http, paymentBody } from '../helpers/payments-fixture.ts';
import { type PrivateRedis, startPrivateRedis } from '../helpers/engines.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const skip = binarySkip('redis-server', ['/usr/bin/redis-server'], 'redis-server');

describe('payments with an external dispatcher on Redis', { skip, timeout: 300_000 }, () => {
  let processors: { default: ProcessorEmulator; fallback: ProcessorEmulator };
  // Its own Redis: two runs of this file at once (another checkout's suite) on a shared one would share the
  // queue, the ledger and the Pub/Sub topics, and each would count the other's payments.
  let redis: PrivateRedis;
  const children: Array<ReturnType<typeof startCli>> = [];
  let store = '';
  let api = '';

  const start = (args: string[]) => {
    const child = startCli(['payments', ...args]);
    children.push(child);
    return child;
  };

  before(async () => {
    redis = await startPrivateRedis();
    store = redis.url;
    processors = { default: await startProcessorEmulator({ fee: 0.05, rateLimitMs: 300 }), fallback: await startProcessorEmulator({ fee: 0.15, rateLimitMs: 300 }) };
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const server = start(['serve', '--port', String(port), '--host', '127.0.0.1', '--store', store, '--dispatcher', 'external', '--instance', 'api-test']);
    await waitFor(() => server.output().includes('payments backend api-test on'), 'the API to start', 30_000);
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await processors.default.close();
    await processors.fallback.close();
    await redis.stop();
  });

  it('loses and double-charges nothing when the dispatcher is killed mid-flight and another takes over', async () => {
    await configure(processors.default, { delay: 150 });
    const dispatcherArgs = ['dispatcher', '--store', store, '--processor-default', processors.default.url, '--processor-fallback', processors.fallback.url];
    const first = start([...dispatcherArgs, '--instance', 'd1']);
    await waitFor(() => first.output().includes('payments dispatcher d1 on'), 'the first dispatcher', 30_000);

    const total = 400;
    for (let i = 0; i < total; i++) assert.equal((await http('POST', `${api}/payments`, paymentBody(7))).status, 202);
    // Kill it while payments are in flight to the (slow) default processor and others wait in the queue.
    await waitFor(() => processors.default.summary().totalRequests >= 50, 'some payments to reach the processor', 20_000);
    first.kill('SIGKILL');

    const second = start([...dispatcherArgs, '--instance', 'd2']);
    await waitFor(() => second.output().includes('payments dispatcher d2 on'), 'the second dispatcher', 30_000);
    await waitFor(
      async () => {
        const s = (await http('GET', `${api}/payments-summary`)).json();
        return s.default.totalRequests + s.fallback.totalRequests === total;
      },
      `all ${total} payments in our summary`,
      60_000,
    );
    const ours = (await http('GET', `${api}/payments-summary`)).json();
    const counts = `ours ${JSON.stringify(ours)}; theirs default ${JSON.stringify(processors.default.summary())}, fallback ${JSON.stringify(processors.fallback.summary())}`;
    assert.equal(processors.default.summary().totalRequests, ours.default.totalRequests, `default: ours and theirs agree (${counts})`);
    assert.equal(processors.fallback.summary().totalRequests, ours.fallback.totalRequests, `fallback: ours and theirs agree (${counts})`);
    assert.equal(processors.default.summary().totalRequests + processors.fallback.summary().totalRequests, total, 'no payment charged twice');
    second.kill('SIGTERM');
    await exitOf(second, 30_000);
  });

  it('charges nothing twice when a dispatcher dies under load and its successor finds a backlog', async () => {
    // Both processors slow, 200 payments/s for 30 s; the dispatcher is killed at 10 s and the next starts 5 s
    // later, with about a thousand payments waiting: the ones that were in flight to the default come back
    // behind them, after they have waited long enough to spill to the fallback.
    await purge();
    await configure(processors.default, { delay: 500 });
    await configure(processors.fallback, { delay: 500 });
    const dispatcherArgs = ['dispatcher', '--store', store, '--processor-default', processors.default.url, '--processor-fallback', processors.fallback.url];
    const first = start([...dispatcherArgs, '--instance', 'load-d1']);
    await waitFor(() => first.output().includes('payments dispatcher load-d1 on'), 'the first dispatcher', 30_000);

    const sent = sendAtRate(200, 30_000);
    await sleep(10_000);
    first.kill('SIGKILL');
    await sleep(5_000);
    const second = start([...dispatcherArgs, '--instance', 'load-d2']);
    const statuses = await sent;
    assert.deepEqual(statuses, { 202: 6_000 }, 'every payment accepted');

    await waitFor(
      async () => {
        const s = (await http('GET', `${api}/payments-summary`)).json();
        return s.default.totalRequests + s.fallback.totalRequests === 6_000;
      },
      'all 6,000 payments in our summary',
      90_000,
    );
    const theirs = { default: processors.default.summary(), fallback: processors.fallback.summary() };
    const ours = (await http('GET', `${api}/payments-summary`)).json();
    const counts = `ours ${JSON.stringify(ours)}; theirs ${JSON.stringify(theirs)}; second dispatcher: ${second.output().slice(-2_000)}`;
    assert.equal(theirs.default.totalRequests + theirs.fallback.totalRequests, 6_000, `no payment charged twice (${counts})`);
    assert.equal(theirs.default.totalRequests, ours.default.totalRequests, `default: ours and theirs agree (${counts})`);
    assert.equal(theirs.fallback.totalRequests, ours.fallback.totalRequests, `fallback: ours and theirs agree (${counts})`);
    second.kill('SIGTERM');
    await exitOf(second, 30_000);
  });

  /** The ledger, the API's duplicate check and both processors, empty. */
  async function purge(): Promise<void> {
    assert.equal((await http('POST', `${api}/purge-payments`)).status, 200);
    for (const processor of Object.values(processors)) await http('POST', `${processor.url}/admin/purge-payments`, undefined, { 'x-rinha-token': '123' });
  }

  /** `perSecond` new payments a second for `durationMs`, each on its schedule; resolves with the count of each status. */
  async function sendAtRate(perSecond: number, durationMs: number): Promise<Record<number, number>> {
    const statuses: Record<number, number> = {};
    const requests: Array<Promise<void>> = [];
    const started = performance.now();
    const total = (perSecond * durationMs) / 1_000;
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1_000) / perSecond;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      requests.push(http('POST', `${api}/payments`, paymentBody(1)).then((reply) => void (statuses[reply.status] = (statuses[reply.status] ?? 0) + 1)));
    }
    await Promise.all(requests);
    return statuses;
  }
});
