import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { PermanentError } from '../../src/kit/bus/errors.ts';
import type { Message } from '../../src/kit/bus/message.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { engine } from '../helpers/engines.ts';
import { waitFor } from '../helpers/wait.ts';

/** Runs bin/mensageiro.js as a user would; resolves with its exit code and output. */
function cli(...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/mensageiro.js', ...argv], { env: { ...process.env, MENSAGEIRO_LOG_LEVEL: 'error' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('mensageiro bus bench (CLI)', { timeout: 60_000 }, () => {
  it('benches rpc on memory flat out and prints one JSON object', async () => {
    const run = await cli('bus', 'bench', '--url', 'memory://', '--pattern', 'rpc', '--max', '--duration', '1s', '--json');
    assert.equal(run.code, 0, run.stderr);
    const parsed = JSON.parse(run.stdout) as { results: Record<string, unknown>[] };
    assert.equal(parsed.results.length, 1);
    const result = parsed.results[0]!;
    assert.deepEqual(Object.keys(result).sort(), ['count', 'durationMs', 'errors', 'failed', 'max', 'model', 'name', 'ok', 'p50', 'p90', 'p99', 'p999', 'rps'].sort());
    assert.equal(result.model, 'closed');
    assert.ok((result.ok as number) > 0, `ok ${String(result.ok)}`);
    assert.equal(result.failed, 0);
    assert.ok((result.rps as number) > 0);
  });
});

const redis = engine('redis');
const amqp = engine('amqp');

for (const [name, target] of [['redis', redis], ['amqp', amqp]] as const) {
  describe(`mensageiro bus bench --baseline on ${name} (CLI)`, { skip: target.skip, timeout: 120_000 }, () => {
    for (const pattern of ['queue', 'rpc']) {
      it(`runs ${pattern} with the bus and with the bare client, every message through on both`, async () => {
        const run = await cli('bus', 'bench', '--url', target.url!, '--pattern', pattern, '--rate', '200', '--duration', '500ms', '--baseline', '--pairs', '1', '--json');
        assert.equal(run.code, 0, run.stderr);
        const parsed = JSON.parse(run.stdout) as { results: { name: string; count: number; ok: number; failed: number }[]; baseline: { throughputRatio: number } };
        assert.deepEqual(parsed.results.map((r) => r.name), [`${pattern} on ${name}`, `${pattern} on ${name}, bare client`]);
        for (const result of parsed.results) assert.deepEqual([result.count, result.ok, result.failed], [100, 100, 0], result.name);
        assert.ok(parsed.baseline.throughputRatio > 0);
      });
    }
  });
}

describe('mensageiro bus dlq on redis (CLI)', { skip: redis.skip, timeout: 60_000 }, () => {
  const buses: Bus[] = [];
  const queue = `test.cli.dlq.${randomUUID().slice(0, 8)}`;
  after(async () => {
    await buses[0]?.deleteQueue(queue).catch(() => {});
    await Promise.allSettled(buses.map((b) => b.close({ graceMs: 0 })));
  });

  it('lists a parked message and replays it onto its queue', async () => {
    const app = await createBus(redis.url);
    buses.push(app);
    const failing = await app.consume(queue, () => {
      throw new PermanentError('no such customer');
    });
    await app.send(queue, { order: 21 });
    await waitFor(async () => (await app.deadLetters(queue)).length === 1, 'the message to be parked');
    await failing.cancel();
    const [parked] = await app.deadLetters(queue);

    const list = await cli('bus', 'dlq', 'list', queue, '--url', redis.url!);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(parked!.id));
    assert.match(list.stdout, /PermanentError: no such customer/);

    const replay = await cli('bus', 'dlq', 'replay', queue, '--url', redis.url!);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /moved 1 message /);

    const back: Message<{ order: number }>[] = [];
    await app.consume<{ order: number }>(queue, (msg) => void back.push(msg));
    await waitFor(() => back.length === 1, 'the replayed message');
    assert.equal(back[0]!.envelope.id, parked!.id);
    assert.equal(back[0]!.envelope.attempt, 1);
    assert.deepEqual(back[0]!.body, { order: 21 });
    assert.deepEqual(await app.deadLetters(queue), []);
  });
});
