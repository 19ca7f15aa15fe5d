import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { type ProcessorEmulator, startProcessorEmulator } from '../../src/systems/payments/emulator/processor-emulator.ts';
import { binarySkip } from '../helpers/binaries.ts';
import { exitOf, freePort, startCli } from '../helpers/cli-process.ts';
import { configure, http, paymentBody } from '../helpers/payments-fixture.ts';
import { type PrivateRedis, startPrivateRedis } from '../helpers/engines.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const skip = binarySkip('redis-server', ['/usr/bin/redis-server'], 'redis-server');
const RATE = 100;
const LOAD_MS = 14_000;
const KILL_AT_MS = 6_000;
const DOWN_MS = 1_000;
/** A payment answered 202 this long before a kill must survive it (AOF fsync once a second). */
const GRACE_MS = 1_000;

type Child = ReturnType<typeof startCli>;

/**
 * What `payments cluster --durable` promises, process by process: Redis with an AOF synced every second and a
 * separate dispatcher. Each test kills one process with SIGKILL in the middle of a load and brings it back, as a
 * supervisor would, then checks every payment answered 202 more than 1 s before the kill.
 */
describe('payments --durable: a kill -9 of one process loses no accepted payment', { skip, timeout: 300_000 }, () => {
  let processors: { default: ProcessorEmulator; fallback: ProcessorEmulator };
  let redis: PrivateRedis;
  let children: Child[] = [];
  let apis: Array<{ name: string; port: number; child: Child }> = [];
  let dispatcher: Child;

  const start = async (args: string[], ready: string): Promise<Child> => {
    const child = startCli(['payments', ...args]);
    children.push(child);
    await waitFor(() => child.output().includes(ready), ready, 30_000);
    return child;
  };
  const processorArgs = () => ['--processor-default', processors.default.url, '--processor-fallback', processors.fallback.url];
  const startApi = (name: string, port: number) =>
    start(['serve', '--port', String(port), '--host', '127.0.0.1', '--store', redis.url, '--instance', name, '--dispatcher', 'external'], `payments backend ${name} on`);
  const startDispatcher = (name: string) => start(['dispatcher', '--store', redis.url, '--instance', name, ...processorArgs()], `payments dispatcher ${name} on`);

  before(async () => {
    processors = { default: await startProcessorEmulator({ fee: 0.05 }), fallback: await startProcessorEmulator({ fee: 0.15 }) };
    await configure(processors.default, { delay: 100 });
    await configure(processors.fallback, { delay: 100 });
  });

  after(async () => {
    await processors.default.close();
    await processors.fallback.close();
  });

  const deployment = async () => {
    redis = await startPrivateRedis({ appendOnly: true });
    apis = [];
    for (const name of ['api1', 'api2']) {
      const port = await freePort();
      apis.push({ name, port, child: await startApi(name, port) });
    }
    dispatcher = await startDispatcher('d1');
  };

  afterEach(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children = [];
    await redis.stop();
    for (const processor of Object.values(processors)) await http('POST', `${processor.url}/admin/purge-payments`, undefined, { 'x-rinha-token': '123' });
  });

  /** RATE payments a second for LOAD_MS, alternating between the instances; the ids answered 202, with when. */
  async function load(): Promise<Map<string, number>> {
    const accepted = new Map<string, number>();
    const requests: Array<Promise<void>> = [];
    const started = performance.now();
    for (let i = 0; i < (RATE * LOAD_MS) / 1_000; i++) {
      const wait = started + (i * 1_000) / RATE - performance.now();
      if (wait > 1) await sleep(wait);
      const id = randomUUID();
      const api = apis[i % apis.length]!;
      requests.push(
        http('POST', `http://127.0.0.1:${api.port}/payments`, paymentBody(2, id), {}, 5_000).then(
          (reply) => void (reply.status === 202 && accepted.set(id, Date.now())),
          () => undefined,
        ),
      );
    }
    await Promise.all(requests);
    return accepted;
  }

  async function storedOn(id: string): Promise<string[]> {
    const where: string[] = [];
    for (const [name, processor] of Object.entries(processors)) if ((await http('GET', `${processor.url}/payments/${id}`)).status === 200) where.push(name);
    return where;
  }

  async function check(accepted: Map<string, number>, killedAt: number): Promise<void> {
    const early = [...accepted].filter(([, at]) => at < killedAt - GRACE_MS).map(([id]) => id);
    assert.ok(early.length > 400, `${early.length} payments answered before the kill`);
    const api = `http://127.0.0.1:${apis[1]!.port}`;
    const totals = async () => {
      const ours = (await http('GET', `${api}/payments-summary`)).json();
      return { ours: ours.default.totalRequests + ours.fallback.totalRequests, theirs: processors.default.summary().totalRequests + processors.fallback.summary().totalRequests };
    };
    // Settled: everything sent is recorded, and nothing moves any more.
    let last = '';
    await waitFor(async () => {
      const now = JSON.stringify(await totals());
      const settled = now === last && JSON.parse(now).ours === JSON.parse(now).theirs;
      last = now;
      if (!settled) await sleep(2_000);
      return settled;
    }, 'our summary to match the processors and stop moving', 90_000).catch((err: Error) => assert.fail(`${err.message}: ${last}`));
    const lost: string[] = [];
    const twice: string[] = [];
    for (const id of early) {
      const where = await storedOn(id);
      if (where.length === 0) lost.push(id);
      if (where.length > 1) twice.push(id);
    }
    assert.deepEqual(lost, [], `${lost.length} of ${early.length} payments answered 202 over ${GRACE_MS} ms before the kill are lost`);
    assert.deepEqual(twice, [], 'charged twice');
    const ours = (await http('GET', `${api}/payments-summary`)).json();
    assert.equal(ours.default.totalRequests, processors.default.summary().totalRequests, 'default: ours and theirs agree');
    assert.equal(ours.fallback.totalRequests, processors.fallback.summary().totalRequests, 'fallback: ours and theirs agree');
  }

  /** Runs the load, kills one process at KILL_AT_MS, brings it back DOWN_MS later, and checks. */
  async function killDuringLoad(kill: () => Promise<void>, revive: () => Promise<void>): Promise<void> {
    await deployment();
    const sent = load();
    await sleep(KILL_AT_MS);
    const killedAt = Date.now();
    await kill();
    await sleep(DOWN_MS);
    await revive();
    await check(await sent, killedAt);
  }

  it('an instance', async () => {
    await killDuringLoad(
      async () => {
        apis[0]!.child.kill('SIGKILL');
        await exitOf(apis[0]!.child);
      },
      async () => void (apis[0]!.child = await startApi(apis[0]!.name, apis[0]!.port)),
    );
  });

  it('the dispatcher', async () => {
    await killDuringLoad(
      async () => {
        dispatcher.kill('SIGKILL');
        await exitOf(dispatcher);
      },
      async () => void (dispatcher = await startDispatcher('d2')),
    );
  });

  it('Redis', async () => {
    await killDuringLoad(
      () => redis.crash(),
      () => redis.restart(),
    );
  });
});
