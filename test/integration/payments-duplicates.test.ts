import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { shardOf } from '../../src/systems/payments/domain/id-shard.ts';
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

/** Instances of one deployment on a private Redis, started as `payments serve` processes, and two emulators. */
function deployment() {
  const state = {
    redis: undefined as unknown as PrivateRedis,
    processors: undefined as unknown as { default: ProcessorEmulator; fallback: ProcessorEmulator },
    instances: new Map<string, { url: string; child: ReturnType<typeof startCli> }>(),
  };

  async function startInstance(name: string, options: { port?: number; shard?: string } = {}): Promise<string> {
    const bound = options.port ?? (await freePort());
    const args = ['serve', '--port', String(bound), '--host', '127.0.0.1', '--store', state.redis.url, '--instance', name, ...(options.shard ? ['--shard', options.shard] : [])];
    const child = startCli(['payments', ...args, '--processor-default', state.processors.default.url, '--processor-fallback', state.processors.fallback.url]);
    await waitFor(() => child.output().includes(`payments backend ${name} on`), `instance ${name} to start`, 30_000);
    const url = `http://127.0.0.1:${bound}`;
    state.instances.set(name, { url, child });
    return url;
  }

  /** kill -9, as a crash does, and the same instance started again on its port. */
  async function restart(name: string, shard?: string): Promise<string> {
    const instance = state.instances.get(name)!;
    instance.child.kill('SIGKILL');
    await exitOf(instance.child);
    return startInstance(name, { port: Number(new URL(instance.url).port), shard });
  }

  before(async () => {
    state.redis = await startPrivateRedis();
    state.processors = { default: await startProcessorEmulator({ fee: 0.05 }), fallback: await startProcessorEmulator({ fee: 0.15 }) };
  });

  after(async () => {
    for (const { child } of state.instances.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await state.processors.default.close();
    await state.processors.fallback.close();
    await state.redis.stop();
  });

  return { state, startInstance, restart };
}

describe('payments: a correlationId is accepted once per deployment', { skip, timeout: 120_000 }, () => {
  const {
    state: { instances },
    startInstance,
    restart,
  } = deployment();

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
    const id = randomUUID();
    const [api1] = [...instances.values()];
    assert.equal((await http('POST', `${api1!.url}/payments`, paymentBody(4, id))).status, 202);
    const again = await restart('api1');
    assert.equal((await http('POST', `${again}/payments`, paymentBody(4, id))).status, 409);
  });
});

/** A new UUID whose first hex digit puts it in shard `index` of two. */
function idOfShard(index: number): string {
  for (;;) {
    const id = randomUUID();
    if (shardOf(id, 2) === index) return id;
  }
}

describe('payments with --shard: an instance answers for its shard without waiting for Redis, and a repeat is still refused everywhere', { skip, timeout: 180_000 }, () => {
  const { state, startInstance, restart } = deployment();
  const api: Record<1 | 2, string> = { 1: '', 2: '' };

  before(async () => {
    api[1] = await startInstance('api1', { shard: '1/2' });
    api[2] = await startInstance('api2', { shard: '2/2' });
  });

  /** Where the processors hold this payment: it must be one of them, and once. */
  async function storedOn(id: string): Promise<string[]> {
    const found = [];
    for (const name of ['default', 'fallback'] as const) if ((await http('GET', `${state.processors[name].url}/payments/${id}`)).status === 200) found.push(name);
    return found;
  }

  it('refuses every spelling of an id with 409 on both instances, whichever of them accepted it first', async () => {
    for (const [owner, first] of [[1, 1], [1, 2], [2, 2], [2, 1]] as const) {
      const id = idOfShard(owner);
      assert.equal((await http('POST', `${api[first]}/payments`, paymentBody(3, id))).status, 202, `shard ${owner}'s id first on api${first}`);
      for (const variant of [id, ...caseVariants(id)]) {
        for (const at of [1, 2] as const) assert.equal((await http('POST', `${api[at]}/payments`, paymentBody(3, variant))).status, 409, `shard ${owner}'s id first on api${first}, again as ${variant} on api${at}`);
      }
    }
  });

  it('answers an id of its shard while Redis does not answer, and charges it once Redis is back', async () => {
    const id = idOfShard(1);
    process.kill(state.redis.pid!, 'SIGSTOP');
    try {
      // Without waiting for Redis: the answers come while it is stopped (a request that waited for it would time out).
      assert.equal((await http('POST', `${api[1]}/payments`, paymentBody(6, id), {}, 5_000)).status, 202);
      assert.equal((await http('POST', `${api[1]}/payments`, paymentBody(6, id.toUpperCase()), {}, 5_000)).status, 409);
    } finally {
      process.kill(state.redis.pid!, 'SIGCONT');
    }
    await waitFor(async () => (await storedOn(id)).length > 0, 'the payment to reach a processor', 15_000);
    assert.equal((await http('POST', `${api[2]}/payments`, paymentBody(6, id))).status, 409);
    assert.deepEqual((await storedOn(id)).length, 1);
  });

  it('refuses a repeat after the instance that answered for it at once was killed and started again, on both instances', async () => {
    const id = idOfShard(2);
    assert.equal((await http('POST', `${api[2]}/payments`, paymentBody(4, id))).status, 202);
    api[2] = await restart('api2', '2/2');
    for (const at of [2, 1] as const) assert.equal((await http('POST', `${api[at]}/payments`, paymentBody(4, id.toUpperCase()))).status, 409, `on api${at}`);
  });

  it('charges once an id sent to both instances at the same moment', async () => {
    const from = Date.now();
    const ids = Array.from({ length: 40 }, (_, i) => idOfShard((i % 2) + 1));
    const answers = await Promise.all(ids.map((id) => Promise.all([http('POST', `${api[1]}/payments`, paymentBody(7, id)), http('POST', `${api[2]}/payments`, paymentBody(7, id.toUpperCase()))])));
    answers.forEach((pair, i) => assert.ok(pair.some((reply) => reply.status === 202), `${ids[i]}: ${pair.map((reply) => reply.status).join(', ')}`));
    for (const id of ids) {
      await waitFor(async () => (await storedOn(id)).length > 0, `${id} to reach a processor`, 15_000);
      assert.equal((await storedOn(id)).length, 1, `${id} is stored by one processor`);
    }
    // Our ledger counts what the processors charged since, each payment once (the killed instance of the test
    // above may have sent its payment and died before recording it: a crash loses that, as docs/payments.md says).
    const matches = async () => {
      const ours = (await http('GET', `${api[1]}/payments-summary?from=${new Date(from).toISOString()}`)).json() as Record<'default' | 'fallback', { totalRequests: number; totalAmount: number }>;
      return (['default', 'fallback'] as const).every((name) => {
        const theirs = state.processors[name].summary(from, Number.MAX_SAFE_INTEGER);
        return ours[name].totalRequests === theirs.totalRequests && Math.round(ours[name].totalAmount * 100) === theirs.totalAmountCents;
      });
    };
    await waitFor(matches, 'our summary to match the processors', 15_000);
  });
});
