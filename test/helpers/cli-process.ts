import { type ChildProcess, spawn } from 'node:child_process';

/** Runs `mensageiro …` as a separate process, as a user would; `as` runs it under another uid and gid. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, as?: { uid: number; gid: number }): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['bin/mensageiro.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...as });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
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
