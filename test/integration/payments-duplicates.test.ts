import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type ProcessorEmulator, startProcessorEmulator } from '../../src/systems/payments/emulator/processor-emulator.ts';
import { binarySkip } from '../helpers/binaries.ts';
import { exitOf, freePort, startCli } from '../helpers/cli-process.ts';
import { http, paymentBody } from '../helpers/payments-fixture.ts';
import { type PrivateRedis, startPrivateRedis } from '../helpers/engines.ts';
import { waitFor } from '../helpers/wait.ts';

const skip = binarySkip('redis-server', ['/usr/bin/redis-server'], 'redis-server');

/** The same UUID in other letter cases: every one names the same payment. */
function caseVariants(id: string): string[] {
  const mixed = (odd: boolean) => [...id].map((c, i) => (i % 2 === (odd ? 1 : 0) ? c.toUpperCase() : c)).join('');
  return [id.toUpperCase(), mixed(true), mixed(false)];
}

describe('payments: a correlationId is accepted once per deployment', { skip, timeout: 120_000 }, () => {
  let redis: PrivateRedis;
  let processors: { default: ProcessorEmulator; fallback: ProcessorEmulator };
  const instances = new Map<string, { url: string; child: ReturnType<typeof startCli> }>();

  async function startInstance(name: string, port?: number): Promise<string> {
    const bound = port ?? (await freePort());
    const args = ['serve', '--port', String(bound), '--host', '127.0.0.1', '--store', redis.url, '--instance', name];
    const child = startCli(['payments', ...args, '--processor-default', processors.default.url, '--processor-fallback', processors.fallback.url]);
    await waitFor(() => child.output().includes(`payments backend ${name} on`), `instance ${name} to start`, 30_000);
    const url = `http://127.0.0.1:${bound}`;
    instances.set(name, { url, child });
    return url;
  }

  before(async () => {
    redis = await startPrivateRedis();
    processors = { default: await startProcessorEmulator({ fee: 0.05 }), fallback: await startProcessorEmulator({ fee: 0.15 }) };
  });

  after(async () => {
    for (const { child } of instances.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await processors.default.close();
    await processors.fallback.close();
    await redis.stop();
  });

  it('refuses the same UUID in other letter cases with 409, on whichever instance it lands', async () => {
    const api1 = await startInstance('api1');
    const api2 = await startInstance('api2');
    const id = randomUUID();
    assert.equal((await http('POST', `${api1}/payments`, paymentBody(3, id))).status, 202);
    for (const variant of caseVariants(id)) {
      for (const api of [api1, api2]) assert.equal((await http('POST', `${api}/payments`, paymentBody(3, variant))).status, 409, `${variant} on ${api}`);
    }
  });

  it('refuses a correlationId sent again after the instance that accepted it restarted', async () => {
    const api1 = instances.get('api1')!;
    const id = randomUUID();
    assert.equal((await http('POST', `${api1.url}/payments`, paymentBody(4, id))).status, 202);
    api1.child.kill('SIGKILL');
    await exitOf(api1.child);
    const again = await startInstance('api1', Number(new URL(api1.url).port));
    assert.equal((await http('POST', `${again}/payments`, paymentBody(4, id))).status, 409);
  });
});
