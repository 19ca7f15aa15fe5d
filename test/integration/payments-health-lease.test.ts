import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { type ProcessorEmulator, startProcessorEmulator } from '../../src/systems/payments/emulator/processor-emulator.ts';
import { binarySkip } from '../helpers/binaries.ts';
import { freePort, startCli } from '../helpers/cli-process.ts';
import { type PrivateRedis, startPrivateRedis } from '../helpers/engines.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const skip = binarySkip('redis-server', ['/usr/bin/redis-server'], 'redis-server');

describe('payments: one health checker for the whole deployment', { skip, timeout: 180_000 }, () => {
  let redis: PrivateRedis;
  let admin: Redis;
  let processors: { default: ProcessorEmulator; fallback: ProcessorEmulator };
  const instances = new Map<string, ReturnType<typeof startCli>>();
  const calls = () => ({ default: processors.default.healthCalls(), fallback: processors.fallback.healthCalls() });

  before(async () => {
    redis = await startPrivateRedis();
    admin = new Redis(redis.url);
    // The contest's limit: one service-health call per 5 s for each processor, whoever calls.
    processors = { default: await startProcessorEmulator({ fee: 0.05 }), fallback: await startProcessorEmulator({ fee: 0.15 }) };
    for (const name of ['api1', 'api2']) {
      const port = await freePort();
      const args = ['serve', '--port', String(port), '--host', '127.0.0.1', '--store', redis.url, '--instance', name, '--dispatcher', 'in-process'];
      const child = startCli(['payments', ...args, '--processor-default', processors.default.url, '--processor-fallback', processors.fallback.url]);
      instances.set(name, child);
      await waitFor(() => child.output().includes(`payments backend ${name} on`), `instance ${name} to start`, 30_000);
    }
  });

  after(async () => {
    for (const child of instances.values()) if (child.exitCode === null) child.kill('SIGKILL');
    admin.disconnect();
    await processors.default.close();
    await processors.fallback.close();
    await redis.stop();
  });

  it('asks each processor at most 7 times in 30 s with two instances running', async () => {
    const before = calls();
    await sleep(30_000);
    const now = calls();
    for (const name of ['default', 'fallback'] as const) {
      const made = now[name] - before[name];
      assert.ok(made <= 7, `${made} calls to the ${name} processor in 30 s`);
      assert.ok(made >= 5, `${made} calls to the ${name} processor in 30 s: someone must keep asking`);
    }
  });

  it('hands the checking to the other instance within 15 s of the holder being killed', async () => {
    const holder = await admin.get('payments:health-checker');
    assert.ok(holder && instances.has(holder), `the lease names an instance: ${holder}`);
    const before = calls();
    instances.get(holder)!.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => calls().default > before.default && calls().fallback > before.fallback, 'a health call from the other instance', 15_000);
    const other = [...instances.keys()].find((name) => name !== holder);
    assert.equal(await admin.get('payments:health-checker'), other, `taken over after ${Date.now() - killedAt} ms`);
  });
});
