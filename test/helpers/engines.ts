import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Engines for the integration tests. Each is taken from its MENSAGEIRO_*_URL (standard localhost port by
 * default); when that is unreachable a private one is started from the installed binary on a free port
 * with a temporary data directory; when the binary is missing too, its suites are skipped, loudly.
 */
export type EngineName = 'redis' | 'amqp' | 'postgres';

export const APT_LINE = 'sudo apt-get install -y redis-server rabbitmq-server postgresql nginx chromium python3-zmq python3-msgpack';

interface EngineSpec {
  /** Extra clean-up for servers that outlive their launcher (RabbitMQ's beam does). */
  afterStop?(port: number): void;
  envVar: string;
  defaultUrl: string;
  /**
   * `sparePort`: a second free port, for an engine that listens on two (RabbitMQ's distribution port).
   * `extraArgs` go on the server's command line after the defaults, which they override.
   */
  start(port: number, dir: string, sparePort: number, extraArgs?: readonly string[]): { process: ChildProcess; url: string } | string;
  /** How long a private one may take to accept connections. */
  bootMs: number;
}

const specs: Record<EngineName, EngineSpec> = {
  redis: {
    envVar: 'MENSAGEIRO_REDIS_URL',
    defaultUrl: 'redis://127.0.0.1:6379',
    bootMs: 10_000,
    start(port, dir, _sparePort, extraArgs = []) {
      if (!which('redis-server')) return 'redis-server is not installed';
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning', ...extraArgs];
      return { process: spawn('redis-server', args, { stdio: 'ignore', detached: true }), url: `redis://127.0.0.1:${port}` };
    },
  },
  amqp: {
    envVar: 'MENSAGEIRO_AMQP_URL',
    defaultUrl: 'amqp://guest:guest@127.0.0.1:5672',
    bootMs: 60_000,
    afterStop(port) {
      for (const pid of spawnSync('pgrep', ['beam.smp'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) {
        try {
          if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`RABBITMQ_NODENAME=mensageiro-test-${port}@`)) process.kill(Number(pid), 'SIGTERM');
        } catch {
          // gone already, or not ours to read
        }
      }
    },
    start(port, dir, sparePort) {
      const server = ['/usr/sbin/rabbitmq-server', '/usr/lib/rabbitmq/bin/rabbitmq-server'].find(existsSync) ?? which('rabbitmq-server');
      if (!server) return 'rabbitmq-server is not installed';
      // The system's own rabbitmq.conf and rabbitmq-env.conf pin port 5672 and the node name: replace both.
      writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
      writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\n`);
      writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
      // The server script drops to the rabbitmq user when run as root; that user must own the directory.
      if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'rabbitmq', dir]);
      const env = {
        ...process.env,
        RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
        RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
        ERL_EPMD_ADDRESS: '127.0.0.1',
        RABBITMQ_NODE_PORT: String(port),
        RABBITMQ_NODENAME: `mensageiro-test-${port}@localhost`,
        RABBITMQ_DIST_PORT: String(sparePort),
        RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
        RABBITMQ_LOG_BASE: join(dir, 'log'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
        RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
      };
      const log = openSync(join(dir, 'server.out'), 'a');
      return { process: spawn(server, [], { env, stdio: ['ignore', log, log], detached: true }), url: `amqp://guest:guest@127.0.0.1:${port}` };
    },
  },
  postgres: {
    envVar: 'MENSAGEIRO_POSTGRES_URL',
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/test',
    bootMs: 30_000,
    start(port, dir) {
      const bin = postgresBin();
      if (!bin) return 'PostgreSQL (initdb, postgres) is not installed';
      // PostgreSQL refuses to run as root; run it as the postgres user the package creates.
      const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
      if (asUser.length) spawnSync('chown', ['postgres', dir]);
      const data = join(dir, 'data');
      const init = run([...asUser, join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres']);
      if (init) return `initdb failed: ${init}`;
      const cmd = [...asUser, join(bin, 'postgres'), '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'];
      return { process: spawn(cmd[0]!, cmd.slice(1), { stdio: 'ignore', detached: true }), url: `postgres://postgres@127.0.0.1:${port}/postgres` };
    },
  },
};

export interface ResolvedEngine {
  name: EngineName;
  url?: string;
  skip?: string;
  stop?: () => void;
}

/** Used by scripts/run-tests.ts before any test file starts. */
export async function resolveEngine(name: EngineName): Promise<ResolvedEngine> {
  const spec = specs[name];
  const url = process.env[spec.envVar] ?? spec.defaultUrl;
  if (await reachable(url)) return { name, url };
  const started = await startPrivateEngine(name);
  return started.skip ? { name, skip: `${url} is unreachable and ${started.skip}` } : started;
}

/**
 * A private engine from its installed binary, on a free port with a temporary data directory, for a test whose
 * fixed names would collide with other tests on the shared one (or that must kill the engine). `stop` ends it.
 */
export async function startPrivateEngine(name: EngineName): Promise<ResolvedEngine> {
  const spec = specs[name];
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `mensageiro-${name}-`));
  const started = spec.start(port, dir, await freePort());
  if (typeof started === 'string') {
    rmSync(dir, { recursive: true, force: true });
    return { name, skip: `${started}. Install the engines with: ${APT_LINE}` };
  }
  const stop = () => {
    try {
      if (started.process.pid) process.kill(-started.process.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    spec.afterStop?.(port);
    if (!process.env.MENSAGEIRO_KEEP_ENGINE_DIRS) setTimeout(() => rmSync(dir, { recursive: true, force: true }), 2_000).unref();
  };
  const deadline = Date.now() + spec.bootMs;
  while (Date.now() < deadline) {
    if (started.process.exitCode !== null) break;
    if (await reachable(started.url)) return { name, url: started.url, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  const how = started.process.exitCode === null ? `did not start within ${spec.bootMs} ms` : `exited with code ${started.process.exitCode} as it started`;
  return { name, skip: `a private ${name} on port ${port} ${how}` };
}

export interface PrivateRedis {
  readonly url: string;
  readonly pid: number | undefined;
  /** kill -9: what a crash does; an AOF on disk stays for the next start. */
  crash(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Redis of this test's own that the test can crash and restart, launched as startPrivateEngine('redis')
 * launches one: the shared one serves other suites at the same time, and Pub/Sub channels cross its numbered
 * databases, so a database number alone does not keep two runs apart. `appendOnly` turns on the AOF with one
 * fsync a second, as `payments cluster --durable` runs it. Rejects when redis-server is missing or does not start.
 */
export async function startPrivateRedis(options: { appendOnly?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mensageiro-redis-'));
  const extraArgs = options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : [];
  let child: ChildProcess | undefined;
  const launch = async () => {
    const started = specs.redis.start(port, dir, 0, extraArgs);
    if (typeof started === 'string') throw new Error(`${started}. Install the engines with: ${APT_LINE}`);
    child = started.process;
    const deadline = Date.now() + specs.redis.bootMs;
    while (!(await reachable(started.url))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`a private redis-server on port ${port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    crash: kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For test files: the engine's URL, or a skip reason. With MENSAGEIRO_REQUIRE_ENGINES=1 a missing engine
 * throws instead, so CI cannot pass by skipping.
 */
export function engine(name: EngineName): { url: string; skip?: undefined } | { url?: undefined; skip: string } {
  const spec = specs[name];
  const skip = process.env[`MENSAGEIRO_SKIP_${name.toUpperCase()}`];
  if (skip) {
    const message = `\n*** SKIPPING the ${name} suites: ${skip}\n`;
    if (process.env.MENSAGEIRO_REQUIRE_ENGINES === '1') throw new Error(message);
    process.stderr.write(message);
    return { skip };
  }
  return { url: process.env[spec.envVar] ?? spec.defaultUrl };
}

export function engineEnvVar(name: EngineName): string {
  return specs[name].envVar;
}

export function reachable(url: string): Promise<boolean> {
  const parsed = new URL(url);
  const port = Number(parsed.port || { 'redis:': 6379, 'amqp:': 5672, 'postgres:': 5432 }[parsed.protocol] || 0);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, parsed.hostname.replace(/^\[|\]$/g, ''), () => done(true));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function which(binary: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).stdout.trim();
  return found || undefined;
}

function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) if (existsSync(join(root, version, 'bin', 'initdb'))) return join(root, version, 'bin');
  }
  const initdb = which('initdb');
  return initdb ? initdb.replace(/\/initdb$/, '') : undefined;
}

function run(cmd: string[]): string | undefined {
  const result = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  return result.status === 0 ? undefined : (result.stderr || result.stdout || `exit ${result.status}`).trim().slice(0, 400);
}
