import { type CliIo, UsageError, processIo } from '../../../kit/cli/args.ts';
import { balancerCommand } from './balancer-command.ts';
import { benchCommand } from './bench-command.ts';
import { clusterCommand } from './cluster-command.ts';
import { SalesCommandError } from './common.ts';
import { seedCommand } from './seed-command.ts';
import { upCommand } from './up-command.ts';
import { workerCommand } from './worker-command.ts';

const USAGE = `usage: mensageiro sales <command> [options]

  seed       create the sales database (SQLite, WAL) with a progress bar
  worker     answer queries from one worker queue
  balancer   route sales_requests to workers by least outstanding requests
  bench      the seed's client: random queries at a constant rate, with latency percentiles
  up         everything in one process on the in-memory bus, with a query page
  cluster    balancer and workers as separate processes on RabbitMQ or Redis

Run "mensageiro sales <command> --help" for its options.
`;

const commands: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  seed: seedCommand,
  worker: workerCommand,
  balancer: balancerCommand,
  bench: benchCommand,
  up: upCommand,
  cluster: clusterCommand,
};

/** `mensageiro sales …`: resolves with the exit code. */
export async function runSales(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = commands[name];
  try {
    if (!command) throw new UsageError(`unknown sales command "${name}": use ${Object.keys(commands).join(', ')}`, 'mensageiro sales --help');
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`mensageiro sales: ${err.message}\nSee "${err.helpCommand}".\n`);
      return 2;
    }
    if (err instanceof SalesCommandError) {
      io.stderr.write(`mensageiro sales: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
