import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliIo, UsageError, nonNegativeInteger, parseOptions, positiveInteger } from '../../../kit/cli/args.ts';
import { usageTable } from '../../../kit/observe/usage-table.ts';
import { Supervisor } from '../../../kit/runtime/supervisor.ts';
import { type Launch, thisCli } from '../../../kit/runtime/this-cli.ts';
import { MAX_SHARDS } from '../domain/id-shard.ts';
import { nginxConfig } from '../roles/nginx-config.ts';
import { findExecutable, redisArgs, waitForHttp, waitForPath } from '../../../kit/runtime/local-engines.ts';
import { PaymentsCommandError, httpUrl } from './common.ts';

export const CLUSTER_HELP = `usage: mensageiro payments cluster [--port 9999] [--instances 2] [--processor-default URL --processor-fallback URL]
                                 [--fee-default 0.05] [--fee-fallback 0.15] [--node-options="--max-semi-space-size=4"]
                                 [--dispatcher thread|in-process|external] [--durable]

The contest deployment on this machine, as separate processes: nginx on --port in front of --instances
backends (unix sockets), a private Redis on a unix socket that they share, and two processor emulators on 8001
and 8002 — unless --processor-default and --processor-fallback point at processors already running.
  --dispatcher thread       each backend sends the payments it accepted from a worker thread of lower
                            priority (the default: its p99 was ~40 % lower than in-process, here)
  --dispatcher in-process   each backend sends them on the thread that answers clients (less memory)
  --dispatcher external     backends queue payments in Redis for one separate dispatcher process, so a
                            payment survives the crash of the backend that accepted it
  --durable                 Redis keeps an append-only file, synced every second, and the dispatcher is
                            external: a kill -9 of any one process (a backend, the dispatcher or Redis)
                            loses no payment answered 202 more than 1 s before it, at a higher p99
A process that exits is started again (each restart is printed) while the others keep serving; what lived
only in that process is lost with it (see docs/payments.md). Ctrl-C stops them all and prints each one's CPU
time and peak memory. Then run: mensageiro payments bench
`;

/** A small young generation keeps each scavenge short: the p99 is what the contest scores. */
const DEFAULT_NODE_OPTIONS = '--max-semi-space-size=4';
export const CLUSTER_STATE_FILE = join(tmpdir(), 'mensageiro-payments-cluster.json');

export async function clusterCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro payments cluster --help';
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    instances: { type: 'string' },
    'processor-default': { type: 'string' },
    'processor-fallback': { type: 'string' },
    'fee-default': { type: 'string' },
    'fee-fallback': { type: 'string' },
    'node-options': { type: 'string' },
    dispatcher: { type: 'string' },
    durable: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(CLUSTER_HELP);
    return 0;
  }
  const port = values.port === undefined ? 9999 : nonNegativeInteger('--port', values.port, help);
  const instances = values.instances === undefined ? 2 : positiveInteger('--instances', values.instances, help);
  if (instances > MAX_SHARDS) throw new UsageError(`--instances goes up to ${MAX_SHARDS}: each answers for the ids whose first hex digit nginx sends it`, help);
  const durable = values.durable === true;
  if (durable && values.dispatcher !== undefined && values.dispatcher !== 'external') throw new UsageError('--durable runs the external dispatcher: leave --dispatcher out', help);
  const dispatcher = values.dispatcher ?? (durable ? 'external' : 'thread');
  if (!['in-process', 'thread', 'external'].includes(dispatcher)) throw new UsageError(`--dispatcher takes in-process, thread or external, got "${dispatcher}"`, help);
  const external = values['processor-default'] !== undefined || values['processor-fallback'] !== undefined;
  if (external && (values['processor-default'] === undefined || values['processor-fallback'] === undefined)) {
    throw new PaymentsCommandError('give both --processor-default and --processor-fallback, or neither (then emulators start on 8001 and 8002)');
  }
  const nginx = findExecutable('nginx', ['/usr/sbin/nginx']);
  const redisServer = findExecutable('redis-server', ['/usr/bin/redis-server']);
  if (!nginx || !redisServer) throw new PaymentsCommandError(`${nginx ? 'redis-server' : 'nginx'} is not installed: sudo apt-get install -y nginx redis-server`);

  const nodeOptions = (values['node-options'] ?? DEFAULT_NODE_OPTIONS).split(/\s+/).filter(Boolean);
  let node: (args: string[]) => Launch;
  try {
    const cli = thisCli({ compiled: true, nodeFlags: nodeOptions, log: (line) => io.stdout.write(`${line}\n`) });
    node = (args) => cli(['payments', ...args]);
  } catch (err) {
    throw new PaymentsCommandError((err as Error).message);
  }
  const dir = mkdtempSync(join(tmpdir(), 'mensageiro-payments-'));
  // nginx's workers may run as another user: they must reach the sockets in here.
  chmodSync(dir, 0o755);
  const pids: Record<string, number> = {};
  const system: string[] = [];
  let up = false;
  const supervisor = new Supervisor(io, {
    onStarted: (name, pid) => {
      pids[name] = pid;
      if (up) writeState(port, system, pids);
    },
  });
  const processorUrls = external
    ? { default: httpUrl('--processor-default', values['processor-default']!), fallback: httpUrl('--processor-fallback', values['processor-fallback']!) }
    : { default: 'http://127.0.0.1:8001', fallback: 'http://127.0.0.1:8002' };
  const redisSocket = join(dir, 'redis.sock');
  try {
    if (!external) {
      supervisor.start({ name: 'processor-default', launch: node(['processor', '--port', '8001', '--fee', values['fee-default'] ?? '0.05']) });
      supervisor.start({ name: 'processor-fallback', launch: node(['processor', '--port', '8002', '--fee', values['fee-fallback'] ?? '0.15']) });
    }
    system.push('redis');
    supervisor.start({
      name: 'redis',
      launch: { command: redisServer, args: redisArgs(redisSocket, dir, durable) },
    });
    await supervisor.whileUp(waitForPath(redisSocket, 'redis'));
    const store = `redis+unix://${redisSocket}`;
    const processorArgs = ['--processor-default', processorUrls.default, '--processor-fallback', processorUrls.fallback];
    if (dispatcher === 'external') {
      system.push('dispatcher');
      supervisor.start({ name: 'dispatcher', launch: node(['dispatcher', '--store', store, '--instance', 'dispatcher', ...processorArgs]) });
    }
    const sockets = Array.from({ length: instances }, (_, i) => join(dir, `api${i + 1}.sock`));
    sockets.forEach((socket, i) => {
      const name = `api${i + 1}`;
      system.push(name);
      supervisor.start({
        name,
        launch: node(['serve', '--socket', socket, '--store', store, '--instance', name, '--shard', `${i + 1}/${instances}`, '--dispatcher', dispatcher, ...(dispatcher === 'external' ? [] : processorArgs)]),
        // nginx knows each instance by its socket's path: a restarted one binds it again, once a SIGKILLed one's file is gone.
        prepare: () => rmSync(socket, { force: true }),
      });
    });
    for (const socket of sockets) await supervisor.whileUp(waitForPath(socket, 'a backend'));
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig({ port, sockets, dir }));
    system.push('nginx');
    supervisor.start({ name: 'nginx', launch: { command: nginx, args: ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', 'stderr'] } });
    if (!external) await supervisor.whileUp(Promise.all([waitForHttp(`${processorUrls.default}/payments/none`), waitForHttp(`${processorUrls.fallback}/payments/none`)]));
    await supervisor.whileUp(waitForHttp(`http://127.0.0.1:${port}/payments-summary`));
  } catch (err) {
    await supervisor.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err instanceof PaymentsCommandError ? err : new PaymentsCommandError(`the cluster did not come up: ${(err as Error).message}`);
  }
  up = true;
  writeState(port, system, pids);
  io.stdout.write(`payments cluster: nginx on :${port} → ${instances} backends (dispatcher ${dispatcher}${durable ? ', durable' : ''}), Redis on ${redisSocket}, processors ${processorUrls.default} and ${processorUrls.fallback}; a process that exits is restarted; Ctrl-C stops them all\n`);

  const gaveUp = await supervisor.untilStopped();
  io.stdout.write(usageTable(system, supervisor.pids()));
  const backends = system.filter((name) => name.startsWith('api'));
  await supervisor.stop(10_000, [['nginx'], backends, ['dispatcher'], ['redis']]);
  rmSync(dir, { recursive: true, force: true });
  rmSync(CLUSTER_STATE_FILE, { force: true });
  if (gaveUp) io.stderr.write(`mensageiro payments: stopped because ${gaveUp}\n`);
  return gaveUp ? 1 : 0;
}

/** Where `payments bench` finds the system's processes to measure; rewritten when one is restarted. */
function writeState(port: number, system: string[], pids: Record<string, number>): void {
  writeFileSync(CLUSTER_STATE_FILE, JSON.stringify({ port, system: Object.fromEntries(system.map((name) => [name, pids[name]])) }));
}
