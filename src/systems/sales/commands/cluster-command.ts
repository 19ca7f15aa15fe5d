import { fileURLToPath } from 'node:url';
import { type CliIo, UsageError, nonNegativeInteger, parseOptions, positiveInteger, redactUrl } from '../../../kit/cli/args.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { ProcessGroup } from '../../../kit/runtime/process-group.ts';
import { ensureSalesDatabase } from '../store/ensure-database.ts';
import { SEED_COMPATIBLE_HELP, busUrl, dbPath } from './common.ts';

export const CLUSTER_HELP = `usage: mensageiro sales cluster --bus amqp://guest:guest@localhost:5672 [--workers 3] [--db data/sales.db] [--port 9100] [--seed-compatible]

Starts the balancer and --workers workers (mom-worker-1…N) as separate local processes on a shared bus, each
printing with its name in front. Ctrl-C stops them all. Then run: mensageiro sales bench --bus <the same URL>

${SEED_COMPATIBLE_HELP}`;

const BIN = fileURLToPath(new URL('../../../../bin/mensageiro.js', import.meta.url));

export async function clusterCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro sales cluster --help';
  const { values } = parseOptions(argv, help, {
    bus: { type: 'string' },
    workers: { type: 'string' },
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
  const port = values.port === undefined ? 9100 : nonNegativeInteger('--port', values.port, help);
  const path = dbPath(values.db);
  const seedCompatible = values['seed-compatible'] ? ['--seed-compatible'] : [];
  await ensureSalesDatabase(path, (sales) => io.stdout.write(`seeded ${path} with ${sales} sales\n`));

  const ids = Array.from({ length: count }, (_, i) => `mom-worker-${i + 1}`);
  const group = new ProcessGroup(io);
  const start = (name: string, args: string[]) => group.start(name, process.execPath, [BIN, 'sales', ...args]);
  start('mom-lb', ['balancer', '--bus', url, '--workers', ids.join(','), '--port', String(port), ...seedCompatible]);
  for (const id of ids) start(id, ['worker', '--id', id, '--bus', url, '--db', path, ...seedCompatible]);
  io.stdout.write(`sales cluster: balancer + ${count} workers on ${redactUrl(url)}; Ctrl-C stops them all\n`);

  const reason = await Promise.race([untilSignal(), group.allExited().then(() => 'exit' as const)]);
  await group.stop();
  return reason === 'exit' ? 1 : 0;
}
