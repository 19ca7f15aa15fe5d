import assert from 'node:assert/strict';
import { get } from 'node:http';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import { type CliIo, UsageError } from '../../src/kit/cli/args.ts';
import { PROCESSOR_HELP, processorCommand } from '../../src/systems/payments/commands/processor-command.ts';
import { startProcessorEmulator } from '../../src/systems/payments/emulator/processor-emulator.ts';
import { textSink } from '../helpers/text-sink.ts';

function captureIo(): CliIo & { stdout: Writable & { text: string }; stderr: Writable & { text: string } } {
  const sink = textSink;
  return { stdout: sink(), stderr: sink() };
}

function getJson(url: string, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
    }).on('error', reject);
  });
}

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(10);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('mensageiro payments processor', () => {
  it('prints its help', async () => {
    const io = captureIo();
    assert.equal(await processorCommand(['--help'], io), 0);
    assert.equal(io.stdout.text, PROCESSOR_HELP);
  });

  it('says what to type when a flag is missing or wrong', async () => {
    const cases: [string[], RegExp][] = [
      [['--fee', '0.05'], /--port 8001 for the default processor/],
      [['--port', '8001'], /--fee 0.05 for 5 %/],
      [['--port', '8001', '--fee', '1'], /--fee takes a fraction from 0 up to below 1/],
      [['--port', '8001', '--fee=-0.05'], /--fee takes a fraction/],
      [['--port', '8001', '--fee', 'cheap'], /--fee takes a fraction/],
      [['--port', '8001', '--fee', ''], /--fee takes a fraction/],
      [['--port', '70000', '--fee', '0.05'], /from 0 to 65535/],
      [['--port', 'high', '--fee', '0.05'], /--port takes a whole number/],
      [['--port', '8001', '--fee', '0.05', '--rate-limit', 'often'], /--rate-limit "often" is not a duration/],
      [['--port', '8001', '--fee', '0.05', '--token', ''], /--token cannot be empty/],
      [['--port', '8001', '--fee', '0.05', '--color'], /--color/],
    ];
    for (const [argv, message] of cases) await assert.rejects(processorCommand(argv, captureIo()), (err: Error) => err instanceof UsageError && message.test(err.message), argv.join(' '));
  });

  it('listens, prints where, serves with the given fee and token, and stops on SIGINT', async () => {
    const io = captureIo();
    const exit = processorCommand(['--port', '0', '--fee', '0.07', '--token', 'secret', '--rate-limit', '200ms'], io);
    const url = await until(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(io.stdout.text)?.[1], 'the listening line');
    assert.equal(io.stdout.text.split('\n').filter(Boolean).length, 1, 'one line');

    const summary = await getJson(`${url}/admin/payments-summary`, { 'x-rinha-token': 'secret' });
    assert.equal(summary.status, 200);
    assert.deepEqual(summary.json, { totalAmount: 0, totalRequests: 0, totalFee: 0, feePerTransaction: 0.07 });
    assert.equal((await getJson(`${url}/admin/payments-summary`, { 'x-rinha-token': '123' })).status, 401);

    process.emit('SIGINT', 'SIGINT');
    assert.equal(await exit, 0);
    await assert.rejects(getJson(`${url}/payments/service-health`, {}), /ECONNREFUSED/);
  });

  it('explains a port that is taken', async () => {
    const holder = await startProcessorEmulator({ fee: 0.05 });
    try {
      const io = captureIo();
      assert.equal(await processorCommand(['--port', String(holder.port), '--fee', '0.05'], io), 1);
      assert.match(io.stderr.text, /port \d+ is taken: stop what listens there, or pick another --port/);
    } finally {
      await holder.close();
    }
  });
});
