import type { ChildProcess } from 'node:child_process';

/** Resolves when the child prints a line matching `pattern`; rejects when it exits first or `timeoutMs` passes. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const done = (err: Error | undefined, line?: string) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(line!);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) done(undefined, line);
      else seen = seen.slice(-4_096);
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`${what} exited (${signal ?? `code ${code}`}) before it was ready`));
    const timer = setTimeout(() => done(new Error(`${what} was not ready within ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}
