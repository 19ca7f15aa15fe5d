import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { runBus } from '../../src/cli/bus.ts';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { PermanentError } from '../../src/kit/bus/errors.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { waitFor } from '../helpers/wait.ts';

/** Runs `mensageiro bus …` in this process, so it shares the memory:// broker with the test. */
async function bus(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const code = await runBus(argv, { stdout: out, stderr: err });
  return { code, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

describe('mensageiro bus (in process)', () => {
  const opened: Bus[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((b) => b.close({ graceMs: 0 })));
  });

  it('explains usage mistakes and says what to type instead', async () => {
    const missing = await bus('bench', '--max');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--pattern is missing: add --pattern rpc/);
    assert.match(missing.stderr, /mensageiro bus bench --help/);
    const both = await bus('bench', '--pattern', 'rpc', '--max', '--rate', '10');
    assert.equal(both.code, 2);
    assert.match(both.stderr, /choose one load model/);
    const unknown = await bus('bench', '--pattern', 'rpc', '--max', '--speed', '3');
    assert.match(unknown.stderr, /Unknown option '--speed'/);
    const duration = await bus('bench', '--pattern', 'rpc', '--max', '--duration', '10');
    assert.match(duration.stderr, /write it with a unit, as in 500ms/);
    assert.match((await bus('dlq', 'list')).stderr, /name the queue/);
    assert.match((await bus('dlq', 'list', 'orders.dlq')).stderr, /mensageiro bus dlq list orders\n/);
    assert.equal((await bus('frobnicate')).code, 2);
    const help = await bus('bench', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--rate N/);
  });

  it('benches the queue pattern end to end and prints one JSON object', async () => {
    const run = await bus('bench', '--url', 'memory://cli-unit', '--pattern', 'queue', '--rate', '400', '--duration', '300ms', '--json');
    assert.equal(run.code, 0, run.stderr);
    const parsed = JSON.parse(run.stdout) as { results: { name: string; count: number; ok: number; failed: number }[] };
    assert.equal(parsed.results.length, 1);
    assert.equal(parsed.results[0]!.name, 'queue on memory');
    assert.equal(parsed.results[0]!.count, 120);
    assert.equal(parsed.results[0]!.ok, 120);
  });

  it('with --baseline, alternates the bus and a bare EventEmitter doing the same work, and prints both and their ratios', async () => {
    const run = await bus('bench', '--url', 'memory://cli-baseline', '--pattern', 'rpc', '--rate', '400', '--duration', '300ms', '--baseline', '--pairs', '2', '--json');
    assert.equal(run.code, 0, run.stderr);
    const parsed = JSON.parse(run.stdout) as {
      results: { name: string; count: number; ok: number }[];
      baseline: { pairs: { throughputRatio: number; p99Ratio: number; kitStealSeconds: number | null }[]; throughputRatio: number; p99Ratio: number };
    };
    assert.deepEqual(parsed.results.map((r) => r.name), ['rpc on memory', 'rpc on memory, bare client', 'rpc on memory', 'rpc on memory, bare client']);
    for (const result of parsed.results) assert.deepEqual([result.count, result.ok], [120, 120], result.name);
    assert.equal(parsed.baseline.pairs.length, 2);
    for (const ratio of [parsed.baseline.throughputRatio, parsed.baseline.p99Ratio]) assert.ok(Number.isFinite(ratio) && ratio > 0, String(ratio));
    assert.match(run.stderr, /rpc on memory, median of 2 pairs: p99 [\d.]+× the bare client's \(target ≤ 1\.25: (met|missed)\)/);
  });

  it('refuses --baseline for topics and --pairs without it', async () => {
    const topic = await bus('bench', '--pattern', 'topic', '--max', '--baseline');
    assert.equal(topic.code, 2);
    assert.match(topic.stderr, /--baseline covers queue and rpc/);
    const pairs = await bus('bench', '--pattern', 'rpc', '--max', '--pairs', '3');
    assert.equal(pairs.code, 2);
    assert.match(pairs.stderr, /--pairs goes with --baseline/);
  });

  it('lists the dead letters of a queue and replays them', async () => {
    const url = `memory://cli-dlq-${process.pid}`;
    const queue = `orders.${Date.now()}`;
    const app = await createBus(url);
    opened.push(app);
    const sub = await app.consume(queue, () => {
      throw new PermanentError('no such customer');
    });
    await app.send(queue, { order: 21, customer: 'ana' });
    await waitFor(async () => (await app.deadLetters(queue)).length === 1, 'the message to be parked');
    await sub.cancel();
    const [parked] = await app.deadLetters(queue);

    const list = await bus('dlq', 'list', queue, '--url', url);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(parked!.id));
    assert.match(list.stdout, /PermanentError: no such customer/);
    assert.match(list.stdout, /\{"order":21,"customer":"ana"\}/);
    assert.match(list.stdout, /1 parked in .*replay them with: mensageiro bus dlq replay/);

    const json = await bus('dlq', 'list', queue, '--url', url, '--json');
    const body = JSON.parse(json.stdout) as { messages: { id: string; attempt: number; reason: string }[] };
    assert.deepEqual(body.messages.map((m) => [m.id, m.attempt, m.reason]), [[parked!.id, 1, 'PermanentError: no such customer']]);

    const replay = await bus('dlq', 'replay', queue, '--url', url);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /moved 1 message from .*\.dlq back to /);
    assert.deepEqual(await app.deadLetters(queue), []);
    const back = await app.transport.browse(queue, 10);
    assert.deepEqual(back.map((e) => [e.id, e.attempt]), [[parked!.id, 1]]);
    await app.deleteQueue(queue);
  });
});
