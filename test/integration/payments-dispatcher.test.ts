import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { type ProcessorEmulator, startProcessorEmulator } from '../../src/systems/payments/emulator/processor-emulator.ts';
import { freePort, startCli } from '../helpers/cli-process.ts';
import { engine } from '../helpers/engines.ts';
import { configure, http, paymentBody } from '../helpers/payments-fixture.ts';
import { waitFor } from '../helpers/wait.ts';

const redis = engine('redis');

/** A database of its own, so the queue and ledger keys cannot meet another suite's. */
function storeUrl(base: string): string {
  const url = new URL(base);
  url.pathname = '/11';
  return url.href;
}

describe('payments with an external dispatcher on Redis', { skip: redis.skip, timeout: 120_000 }, () => {
  let processors: { default: ProcessorEmulator; fallback: ProcessorEmulator };
  const children: Array<ReturnType<typeof startCli>> = [];
  let store = '';
  let api = '';

  const start = (args: string[]) => {
    const child = startCli(['payments', ...args]);
    children.push(child);
    return child;
  };

  before(async () => {
    store = storeUrl(redis.url!);
    const admin = new Redis(store);
    await admin.flushdb();
    admin.disconnect();
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
    // Seen once (2026-12-02, on a slow machine): ours 400 on default against the processor's 204. Both sides in full tell where the rest went.
    const counts = `ours ${JSON.stringify(ours)}; theirs default ${JSON.stringify(processors.default.summary())}, fallback ${JSON.stringify(processors.fallback.summary())}`;
    assert.equal(processors.default.summary().totalRequests, ours.default.totalRequests, `default: ours and theirs agree (${counts})`);
    assert.equal(processors.fallback.summary().totalRequests, ours.fallback.totalRequests, `fallback: ours and theirs agree (${counts})`);
    assert.equal(processors.default.summary().totalRequests + processors.fallback.summary().totalRequests, total, 'no payment charged twice');
  });
});
