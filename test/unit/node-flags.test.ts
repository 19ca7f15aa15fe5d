import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { NODE_FLAGS_RERUN_ENV, hasNodeFlags, runWithNodeFlags } from '../../src/kit/runtime/node-flags.ts';

const dir = mkdtempSync(join(tmpdir(), 'mensageiro-node-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, code: string): string {
  const path = join(dir, name);
  writeFileSync(path, code);
  return path;
}

function capture(): { io: { stdout: PassThrough; stderr: PassThrough }; out: () => string; err: () => string } {
  const io = { stdout: new PassThrough(), stderr: new PassThrough() };
  let out = '';
  let err = '';
  io.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  io.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { io, out: () => out, err: () => err };
}

describe('runWithNodeFlags', () => {
  it('knows which flags this process lacks, and takes a rerun child as having them', () => {
    const saved = process.env[NODE_FLAGS_RERUN_ENV];
    delete process.env[NODE_FLAGS_RERUN_ENV];
    try {
      assert.equal(hasNodeFlags(['--max-semi-space-size=3']), false);
      assert.equal(hasNodeFlags([]), true);
      process.env[NODE_FLAGS_RERUN_ENV] = '1';
      assert.equal(hasNodeFlags(['--max-semi-space-size=3']), true);
    } finally {
      if (saved === undefined) delete process.env[NODE_FLAGS_RERUN_ENV];
      else process.env[NODE_FLAGS_RERUN_ENV] = saved;
    }
  });

  it('runs the script in a Node started with the flags, passes its arguments and output, and returns its exit code', async () => {
    const child = script(
      'echo.mjs',
      `process.stdout.write(JSON.stringify({ execArgv: process.execArgv, args: process.argv.slice(2), rerun: process.env.${NODE_FLAGS_RERUN_ENV} }));
       process.stderr.write('to stderr');
       process.exitCode = 3;`,
    );
    const { io, out, err } = capture();
    const code = await runWithNodeFlags({ command: process.execPath, args: ['--max-semi-space-size=3', '--single-threaded-gc', child, 'a', '--b'] }, io);
    assert.equal(code, 3);
    assert.deepEqual(JSON.parse(out()), { execArgv: ['--max-semi-space-size=3', '--single-threaded-gc'], args: ['a', '--b'], rerun: '1' });
    assert.equal(err(), 'to stderr');
  });

  it('returns 128 + the signal number when a signal ended the child, and leaves no listener behind', async () => {
    const before = process.listenerCount('SIGTERM');
    const child = script('killed.mjs', "process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5_000);");
    const { io } = capture();
    assert.equal(await runWithNodeFlags({ command: process.execPath, args: [child] }, io), 128 + 15);
    assert.equal(process.listenerCount('SIGTERM'), before);
  });
});
