import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliIo, UsageError, durationOption, parseOptions, portOption, positiveInteger, redactUrl } from '../../../../kit/cli/args.ts';
import { usageTable } from '../../../../kit/observe/usage-table.ts';
import { findExecutable, findPostgresBin, preparePostgres, redisArgs, waitForHttp, waitForPath } from '../../../../kit/runtime/local-engines.ts';
import { Supervisor } from '../../../../kit/runtime/supervisor.ts';
import { type Launch, thisCli } from '../../../../kit/runtime/this-cli.ts';
import { chatNginxConfig } from '../roles/nginx-config.ts';
import { secretFromEnv } from '../roles/token-auth.ts';
import { DEFAULT_SCHEMA, migrate } from '../store/migrations.ts';
import { openPostgres } from '../store/pg-database.ts';
import { schemaOption } from './backends.ts';
import { ChatWsCommandError } from './common.ts';

/** Two, so that one killed leaves another to take its pending batch over. */
const PERSISTERS = 2;

/** A PostgreSQL just started makes its socket before it accepts sessions ("the database system is starting up"). */
async function openWhenStarted(url: string, timeoutMs = 60_000): Promise<Awaited<ReturnType<typeof openPostgres>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await openPostgres(url);
    } catch (err) {
      if (!/starting up/.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The schema migrated here, before any server or persister starts (each would take its turn at it otherwise). */
async function migrateOnce(url: string, schema = DEFAULT_SCHEMA): Promise<void> {
  const db = await openWhenStarted(url);
  try {
    await migrate(db, schema);
  } finally {
    await db.close();
  }
}

export const CLUSTER_HELP = `usage: mensageiro chat ws cluster [--instances 2] [--port 8080] [--base-port 8081] [--redis URL] [--postgres URL] [--anonymous]

The reference's deployment on this machine, each part a separate process: a private Redis (from its binary,
append-only file on, unless --redis names one), a private PostgreSQL (from its binary, unless --postgres names
one; migrated once here), --instances chat servers s1…sN on --base-port and up with --store on it, ${PERSISTERS}
persisters moving the Redis stream into PostgreSQL, and nginx on --port in front of the servers with ip_hash
and the reference's proxy settings (/ws, /health, /).
Every client on this machine has the same address, so nginx sends them all to one instance: open
http://127.0.0.1:<base-port + i>/ to use another. A process that exits is started again while the others
keep serving; Ctrl-C stops them all and prints each one's CPU time and peak memory.

  --instances N       chat servers (default 2)
  --port N            nginx's port (default 8080)
  --base-port N       the first server's port (default 8081)
  --redis URL         a Redis to use instead of starting one
  --postgres URL      a PostgreSQL to use instead of starting one
  --schema NAME       its schema (default public)
  --key-prefix TEXT   before every Redis key (default gosocket:)
  --anonymous         clients name themselves; otherwise they need a JWT signed with $MENSAGEIRO_CHAT_JWT_SECRET
  --presence-ttl DUR  a killed server's users leave presence lists within this (default 30s)
`;

export async function clusterCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat ws cluster --help';
  const { values } = parseOptions(argv, help, {
    instances: { type: 'string' },
    port: { type: 'string' },
    'base-port': { type: 'string' },
    redis: { type: 'string' },
    postgres: { type: 'string' },
    schema: { type: 'string' },
    'key-prefix': { type: 'string' },
    anonymous: { type: 'boolean' },
    'presence-ttl': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(CLUSTER_HELP);
    return 0;
  }
  const instances = positiveInteger('--instances', values.instances ?? '2', help);
  const port = portOption('--port', values.port ?? '8080', help);
  const basePort = portOption('--base-port', values['base-port'] ?? '8081', help);
  if (basePort + instances - 1 > 65_535) throw new UsageError(`--base-port ${basePort} leaves no port for ${instances} servers`, help);
  const presenceTtl = values['presence-ttl'] ?? '30s';
  durationOption('--presence-ttl', presenceTtl, help);
  if (!values.anonymous) {
    const secret = secretFromEnv();
    if ('problem' in secret) throw new UsageError(secret.problem, help);
  }
  const schema = schemaOption(values.schema, help);
  const keyPrefix = values['key-prefix'] ?? 'gosocket:';
  const nginx = findExecutable('nginx', ['/usr/sbin/nginx']);
  const redisServer = values.redis ? 'given' : findExecutable('redis-server', ['/usr/bin/redis-server']);
  const postgresBin = values.postgres ? 'given' : findPostgresBin();
  if (!nginx || !redisServer) throw new ChatWsCommandError(`${nginx ? 'redis-server' : 'nginx'} is not installed: sudo apt-get install -y nginx redis-server (or pass --redis)`);
  if (!postgresBin) throw new ChatWsCommandError('PostgreSQL is not installed: sudo apt-get install -y postgresql (or pass --postgres postgres://user@host:5432/db)');

  let role: (args: string[]) => Launch;
  try {
    const cli = thisCli({ compiled: true, log: (line) => io.stdout.write(`${line}\n`) });
    role = (args) => cli(['chat', 'ws', ...args]);
  } catch (err) {
    throw new ChatWsCommandError((err as Error).message);
  }
  const dir = mkdtempSync(join(tmpdir(), 'mensageiro-chat-ws-'));
  chmodSync(dir, 0o755);
  const supervisor = new Supervisor(io);
  const names: string[] = [];
  const start = (name: string, launch: Launch) => {
    names.push(name);
    supervisor.start({ name, launch });
  };
  const servers = Array.from({ length: instances }, (_, i) => ({ name: `s${i + 1}`, port: basePort + i }));
  const persisters = Array.from({ length: PERSISTERS }, (_, i) => `persister${i + 1}`);
  let redisUrl = values.redis;
  let postgresUrl = values.postgres;
  try {
    if (!redisUrl) {
      const socket = join(dir, 'redis.sock');
      start('redis', { command: redisServer, args: redisArgs(socket, dir, true) });
      await supervisor.whileUp(waitForPath(socket, 'redis'));
      redisUrl = `redis+unix://${socket}`;
    }
    if (!postgresUrl) {
      const pgDir = join(dir, 'postgres');
      mkdirSync(pgDir);
      const postgres = preparePostgres(postgresBin, pgDir);
      start('postgres', { command: postgres.command, args: postgres.args });
      await supervisor.whileUp(waitForPath(postgres.socket, 'postgres', 60_000));
      postgresUrl = postgres.url;
    }
    await supervisor.whileUp(migrateOnce(postgresUrl, schema));
    const stored = ['--schema', schema ?? 'public', '--key-prefix', keyPrefix];
    const serverArgs = ['--bus', redisUrl, '--store', postgresUrl, ...stored, '--presence-ttl', presenceTtl, ...(values.anonymous ? ['--anonymous'] : [])];
    for (const server of servers) start(server.name, role(['server', '--port', String(server.port), '--host', '127.0.0.1', '--instance', server.name, ...serverArgs]));
    for (const persister of persisters) start(persister, role(['persister', '--postgres', postgresUrl, '--redis', redisUrl, ...stored]));
    await Promise.all([...servers.map((server) => supervisor.ready(server.name, /listening on/, 60_000)), ...persisters.map((name) => supervisor.ready(name, /Ctrl-C stops it/, 60_000))]);
    writeFileSync(join(dir, 'nginx.conf'), chatNginxConfig({ port, servers: servers.map((server) => `127.0.0.1:${server.port}`), dir, foreground: true }));
    start('nginx', { command: nginx, args: ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', 'stderr'] });
    await supervisor.whileUp(waitForHttp(`http://127.0.0.1:${port}/health`));
  } catch (err) {
    await supervisor.stop();
    rmSync(dir, { recursive: true, force: true });
    throw new ChatWsCommandError(`the cluster did not come up: ${(err as Error).message}`);
  }
  const list = servers.map((server) => `${server.name} http://127.0.0.1:${server.port}/`).join(', ');
  io.stdout.write(`chat ws cluster: nginx on http://127.0.0.1:${port}/ (WebSocket /ws) → ${list}; Redis ${redactUrl(redisUrl)}; PostgreSQL ${redactUrl(postgresUrl!)} via ${persisters.join(', ')}; a process that exits is restarted; Ctrl-C stops them all\n`);
  const gaveUp = await supervisor.untilStopped();
  io.stdout.write(usageTable(names, supervisor.pids()));
  await supervisor.stop(10_000, [['nginx'], servers.map((server) => server.name), persisters, values.postgres ? [] : ['postgres'], ['redis']]);
  rmSync(dir, { recursive: true, force: true });
  if (gaveUp) io.stderr.write(`mensageiro chat ws: stopped because ${gaveUp}\n`);
  return gaveUp ? 1 : 0;
}
