import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

/** Runs `mensageiro …` as a separate process, as a user would; `as` runs it under another uid and gid. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, as?: { uid: number; gid: number }): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['bin/mensageiro.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...as });
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

/**
 * Ctrl-C, as a user stops it, so it removes what it made (temporary folders); SIGKILL only when it has not exited
 * within `timeoutMs`. Resolves with its exit code (null after the SIGKILL).
 */
export async function stopGracefully(child: ChildProcess, timeoutMs = 20_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGINT');
  try {
    return await exitOf(child, timeoutMs);
  } catch {
    child.kill('SIGKILL');
    return null;
  }
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

/** `size` consecutive free ports on 127.0.0.1, as `chat zmq cluster --port-base` takes; resolves with the first. */
export async function freePortRange(size: number): Promise<number> {
  const listenable = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: size }, (_, i) => listenable(base + i)));
    if (free.every(Boolean)) return base;
  }
}
