import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
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

/** The directory holding PostgreSQL's initdb and postgres: the newest under /usr/lib/postgresql, else the PATH's. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const version of readdirSync(root).sort((a, b) => Number(b) - Number(a))) if (existsSync(join(root, version, 'bin', 'initdb'))) return join(root, version, 'bin');
  }
  const initdb = findExecutable('initdb', []);
  return initdb?.replace(/\/initdb$/, '');
}

/**
 * A cluster's private PostgreSQL in `dir` (created by the caller, empty): initdb there (user postgres, trust),
 * then the command that serves it on a unix socket in `dir` only, no TCP. PostgreSQL refuses to run as root:
 * as root both run as the postgres user its package creates, which gets `dir`. Returns the server's command
 * and the URL to reach it.
 */
export function preparePostgres(bin: string, dir: string): { command: string; args: string[]; url: string; socket: string } {
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asUser.length) spawnSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  const init = [...asUser, join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres'];
  const done = spawnSync(init[0]!, init.slice(1), { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`initdb failed: ${(done.stderr || done.stdout || `exit ${done.status}`).trim().slice(0, 400)}`);
  const serve = [...asUser, join(bin, 'postgres'), '-D', data, '-k', dir, '-c', 'listen_addresses=', '-p', '5432'];
  return { command: serve[0]!, args: serve.slice(1), url: `postgres://postgres@${encodeURIComponent(dir)}:5432/postgres`, socket: join(dir, '.s.PGSQL.5432') };
}
