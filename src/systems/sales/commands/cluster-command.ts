import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type CliIo, UsageError, nonNegativeInteger, parseOptions, positiveInteger, redactUrl } from '../../../kit/cli/args.ts';
import { untilSignal } from '../../../kit/observe/http-server.ts';
import { ensureSalesDatabase } from '../store/ensure-database.ts';
import { busUrl, dbPath } from './common.ts';

export const CLUSTER_HELP = `usage: mensageiro sales cluster --bus amqp://guest:guest@localhost:5672 [--workers 3] [--db data/sales.db] [--port 9100]

Starts the balancer and --workers workers (mom-worker-1…N) as separate local processes on a shared bus, each
printing with its name in front. Ctrl-C stops them all. Then run: mensageiro sales bench --bus <the same URL>
`;

const BIN = fileURLToPath(new URL('../../../../bin/mensageiro.js', import.meta.url));

export async function clusterCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro sales cluster --help';
  const { values } = parseOptions(argv, help, {
    bus: { type: 'string' },
    workers: { type: 'string' },
    db: { type: 'string' },
    port: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(CLUSTER_HELP);
    return 0;
  }
  const url = busUrl(values.bus);
  if (url.startsWith('memory:')) throw new UsageError('separate processes cannot share memory://: pass --bus amqp://guest:guest@localhost:5672 (or redis://localhost:6379)', help);
  const count = values.workers === undefined ? 3 : positiveInteger('--workers', values.workers, help);
  const port = values.port === undefined ? 9100 : nonNegativeInteger('--port', values.port, help);
  const path = dbPath(values.db);
  await ensureSalesDatabase(path, (sales) => io.stdout.write(`seeded ${path} with ${sales} sales\n`));

  const ids = Array.from({ length: count }, (_, i) => `mom-worker-${i + 1}`);
  const children = new Map<string, ChildProcess>();
  const start = (name: string, args: string[]) => {
    const child = spawn(process.execPath, [BIN, 'sales', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const prefix = (chunk: Buffer, stream: NodeJS.WritableStream) => {
      for (const line of chunk.toString().split('\n')) if (line) stream.write(`${name.padEnd(14)}| ${line}\n`);
    };
    child.stdout!.on('data', (chunk: Buffer) => prefix(chunk, io.stdout));
    child.stderr!.on('data', (chunk: Buffer) => prefix(chunk, io.stderr));
    child.on('exit', (code, signal) => {
      children.delete(name);
      io.stdout.write(`${name.padEnd(14)}| exited (${signal ?? `code ${code}`})\n`);
    });
    children.set(name, child);
  };
  start('mom-lb', ['balancer', '--bus', url, '--workers', ids.join(','), '--port', String(port)]);
  for (const id of ids) start(id, ['worker', '--id', id, '--bus', url, '--db', path]);
  io.stdout.write(`sales cluster: balancer + ${count} workers on ${redactUrl(url)}; Ctrl-C stops them all\n`);

  const allExited = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (children.size === 0) {
        clearInterval(check);
        resolve();
      }
    }, 100);
  });
  const reason = await Promise.race([untilSignal(), allExited.then(() => 'exit' as const)]);
  for (const child of children.values()) child.kill('SIGTERM');
  const killer = setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  }, 10_000);
  await allExited;
  clearTimeout(killer);
  return reason === 'exit' ? 1 : 0;
}
