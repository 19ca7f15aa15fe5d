import { type CliIo, nonNegativeInteger, parseOptions, positiveInteger, redactUrl, UsageError } from '../../../kit/cli/args.ts';
import { Supervisor } from '../../../kit/runtime/supervisor.ts';
import { thisCli } from '../../../kit/runtime/this-cli.ts';
import { ensureSalesDatabase } from '../store/ensure-database.ts';
import { SEED_COMPATIBLE_HELP, SalesCommandError, busUrl, dbPath } from './common.ts';

export const CLUSTER_HELP = `usage: mensageiro sales cluster --bus amqp://guest:guest@localhost:5672 [--workers 3] [--balancers 1] [--db data/sales.db] [--port 9100]
                               [--seed-compatible]

Starts --balancers balancers and --workers workers (mom-worker-1…N) as separate local processes on a shared
bus, each printing with its name in front. A process that exits is started again (its restarts are printed)
while the others keep running; Ctrl-C stops them all. Then run: mensageiro sales bench --bus <the same URL>

  --balancers N   balancers competing on sales_requests (default 1): with 2, while one is down the other
                  takes every request; a balancer's death loses none, since it acknowledges a request only
                  once the request is on a worker's queue
  --port N        the first balancer's /metrics port; the next ones take the ports after it (0: any free ones)

${SEED_COMPATIBLE_HELP}`;

export async function clusterCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro sales cluster --help';
  const { values } = parseOptions(argv, help, {
    bus: { type: 'string' },
    workers: { type: 'string' },
    balancers: { type: 'string' },
    db: { type: 'string' },
    port: { type: 'string' },
    'seed-compatible': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(CLUSTER_HELP);
    return 0;
  }
  const url = busUrl(values.bus);
  if (url.startsWith('memory:')) throw new UsageError('separate processes cannot share memory://: pass --bus amqp://guest:guest@localhost:5672 (or redis://localhost:6379)', help);
  const count = values.workers === undefined ? 3 : positiveInteger('--workers', values.workers, help);
  const balancers = values.balancers === undefined ? 1 : positiveInteger('--balancers', values.balancers, help);
  const port = values.port === undefined ? 9100 : nonNegativeInteger('--port', values.port, help);
  const path = dbPath(values.db);
  const seedCompatible = values['seed-compatible'] ? ['--seed-compatible'] : [];
  await ensureSalesDatabase(path, (sales) => io.stdout.write(`seeded ${path} with ${sales} sales\n`));

  const ids = Array.from({ length: count }, (_, i) => `mom-worker-${i + 1}`);
  const balancerNames = balancers === 1 ? ['mom-lb'] : Array.from({ length: balancers }, (_, i) => `mom-lb-${i + 1}`);
  let cli: ReturnType<typeof thisCli>;
  try {
    cli = thisCli({ compiled: true, log: (line) => io.stdout.write(`${line}\n`) });
  } catch (err) {
    throw new SalesCommandError((err as Error).message);
  }
  const supervisor = new Supervisor(io);
  const role = (name: string, args: string[]) => supervisor.start({ name, launch: cli(['sales', ...args]) });
  balancerNames.forEach((name, i) => role(name, ['balancer', '--bus', url, '--workers', ids.join(','), '--port', String(port === 0 ? 0 : port + i), ...seedCompatible]));
  for (const id of ids) role(id, ['worker', '--id', id, '--bus', url, '--db', path, ...seedCompatible]);
  io.stdout.write(`sales cluster: ${balancers} balancer${balancers === 1 ? '' : 's'} + ${count} workers on ${redactUrl(url)}; a process that exits is restarted; Ctrl-C stops them all\n`);

  const gaveUp = await supervisor.untilStopped();
  await supervisor.stop();
  if (gaveUp) io.stderr.write(`mensageiro sales: stopped because ${gaveUp}\n`);
  return gaveUp ? 1 : 0;
}
