import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `mensageiro …` as a separate process, as a user would. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['bin/mensageiro.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}

/**
 * `mensageiro up` on 127.0.0.1:`port`, its sales database in a temporary folder that goes away with the
 * process (each start seeds a database of about 2 MB there).
 */
export function startUp(port: number, env: NodeJS.ProcessEnv = {}): ReturnType<typeof startCli> {
  const dir = mkdtempSync(join(tmpdir(), 'mensageiro-up-test-'));
  const cli = startCli(['up', '--port', String(port), '--host', '127.0.0.1'], { DB_PATH: join(dir, 'sales.db'), ...env });
  cli.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return cli;
}

export function exitOf(child: ChildProcess, timeoutMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the process did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export { freePort } from './engines.ts';
