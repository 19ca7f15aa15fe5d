import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliIo, UsageError, nonNegativeInteger, parseOptions, positiveInteger } from '../../../kit/cli/args.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { usageTable } from '../../../kit/observe/usage-table.ts';
import { compiledCli } from '../../../kit/runtime/compiled-entry.ts';
import { ProcessGroup } from '../../../kit/runtime/process-group.ts';
import { nginxConfig } from '../roles/nginx-config.ts';
import { findExecutable, redisArgs, waitForHttp, waitForPath } from './cluster-support.ts';
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
Ctrl-C stops them all and prints each one's CPU time and peak memory. Then run: mensageiro payments bench
`;

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
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

  const dir = mkdtempSync(join(tmpdir(), 'mensageiro-payments-'));
  // nginx's workers may run as another user: they must reach the sockets in here.
  chmodSync(dir, 0o755);
  let cli: string;
  try {
    cli = compiledCli(ROOT, (line) => io.stdout.write(`${line}\n`));
  } catch (err) {
    throw new PaymentsCommandError((err as Error).message);
  }
  const group = new ProcessGroup(io);
  const nodeOptions = (values['node-options'] ?? DEFAULT_NODE_OPTIONS).split(/\s+/).filter(Boolean);
  const node = (name: string, args: string[]) => group.start(name, process.execPath, [...nodeOptions, cli, 'payments', ...args]);
  const processorUrls = external
    ? { default: httpUrl('--processor-default', values['processor-default']!), fallback: httpUrl('--processor-fallback', values['processor-fallback']!) }
    : { default: 'http://127.0.0.1:8001', fallback: 'http://127.0.0.1:8002' };
  const system: string[] = [];
  try {
    if (!external) {
      node('processor-default', ['processor', '--port', '8001', '--fee', values['fee-default'] ?? '0.05']);
      node('processor-fallback', ['processor', '--port', '8002', '--fee', values['fee-fallback'] ?? '0.15']);
    }
    const redisSocket = join(dir, 'redis.sock');
    group.start('redis', redisServer, redisArgs(redisSocket, dir, durable));
    system.push('redis');
    await waitForPath(redisSocket, 'redis');
    const store = `redis+unix://${redisSocket}`;
    const processorArgs = ['--processor-default', processorUrls.default, '--processor-fallback', processorUrls.fallback];
    if (dispatcher === 'external') {
      node('dispatcher', ['dispatcher', '--store', store, '--instance', 'dispatcher', ...processorArgs]);
      system.push('dispatcher');
    }
    const sockets = Array.from({ length: instances }, (_, i) => join(dir, `api${i + 1}.sock`));
    sockets.forEach((socket, i) => {
      const name = `api${i + 1}`;
      node(name, ['serve', '--socket', socket, '--store', store, '--instance', name, '--dispatcher', dispatcher, ...(dispatcher === 'external' ? [] : processorArgs)]);
      system.push(name);
    });
    for (const socket of sockets) await waitForPath(socket, 'a backend');
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig({ port, sockets, dir }));
    group.start('nginx', nginx, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', 'stderr']);
    system.push('nginx');
    if (!external) await Promise.all([waitForHttp(`${processorUrls.default}/payments/none`), waitForHttp(`${processorUrls.fallback}/payments/none`)]);
    await waitForHttp(`http://127.0.0.1:${port}/payments-summary`);
  } catch (err) {
    await group.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err instanceof PaymentsCommandError ? err : new PaymentsCommandError(`the cluster did not come up: ${(err as Error).message}`);
  }
  const pids = group.pids();
  writeFileSync(CLUSTER_STATE_FILE, JSON.stringify({ port, system: Object.fromEntries(system.map((name) => [name, pids[name]])) }));
  io.stdout.write(`payments cluster: nginx on :${port} → ${instances} backends (dispatcher ${dispatcher}${durable ? ', durable' : ''}), Redis on ${join(dir, 'redis.sock')}, processors ${processorUrls.default} and ${processorUrls.fallback}; Ctrl-C stops them all\n`);

  const reason = await Promise.race([untilSignal(), group.firstExit().then((name) => `${name} exited`)]);
  io.stdout.write(usageTable(system, pids));
  const backends = system.filter((name) => name.startsWith('api'));
  await group.stop(10_000, [['nginx'], backends, ['dispatcher'], ['redis']]);
  rmSync(dir, { recursive: true, force: true });
  rmSync(CLUSTER_STATE_FILE, { force: true });
  if (!reason.startsWith('SIG')) io.stderr.write(`mensageiro payments: stopped because ${reason}\n`);
  return reason.startsWith('SIG') ? 0 : 1;
}
