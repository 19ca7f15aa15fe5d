import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { delimiter, join } from 'node:path';

/** An engine's binary (nginx, redis-server) at one of its usual paths or on the PATH, for the cluster commands. */
export function findExecutable(name: string, known: string[]): string | undefined {
  for (const path of known) if (existsSync(path)) return path;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/**
 * A cluster's private Redis on a unix socket. Durable: every write goes to an append-only file in `dir`, synced
 * once a second, so a kill -9 of Redis loses at most the last second; otherwise it keeps nothing on disk.
 */
export function redisArgs(socket: string, dir: string, durable: boolean): string[] {
  const persistence = durable ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir] : ['--appendonly', 'no'];
  return ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', ...persistence, '--loglevel', 'warning'];
}

export async function waitForPath(path: string, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${what} did not create ${path} within ${timeoutMs / 1000} s: see its output above`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Until the URL answers with any HTTP status. */
export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const req = get(url, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.setTimeout(1_000, () => req.destroy());
    });
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`nothing answered at ${url} within ${timeoutMs / 1000} s: see the output above`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The lines of an nginx `http` block that put its temp folders under `dir`, indented for it: nginx run by a user
 * without root (a cluster's own folder, or /tmp in a read-only container) cannot write the compiled-in ones.
 */
export function nginxTempPaths(dir: string): string {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${dir}/${kind};`).join('\n');
}
