import { type CliIo, processIo } from '../../../kit/cli/args.ts';
import { type SubcommandSet, runSubcommand } from '../../../kit/cli/subcommands.ts';
import { ListenError } from '../../../kit/observe/listen-error.ts';
import { SalesCommandError } from './common.ts';

const USAGE = `usage: mensageiro sales <command> [options]

  seed       create the sales database (SQLite) with a progress bar
  worker     answer queries from one worker queue
  balancer   route sales_requests to workers by least outstanding requests
  bench      the original study's client: random queries at a constant rate, with latency percentiles
  up         everything in one process on the in-memory bus, with a query page
  cluster    balancer and workers as separate processes on RabbitMQ or Redis

Run "mensageiro sales <command> --help" for its options.
`;

const commands: SubcommandSet['commands'] = {
  seed: async () => (await import('./seed-command.ts')).seedCommand,
  worker: async () => (await import('./worker-command.ts')).workerCommand,
  balancer: async () => (await import('./balancer-command.ts')).balancerCommand,
  bench: async () => (await import('./bench-command.ts')).benchCommand,
  up: async () => (await import('./up-command.ts')).upCommand,
  cluster: async () => (await import('./cluster-command.ts')).clusterCommand,
};

/** `mensageiro sales …`: resolves with the exit code. */
export function runSales(argv: string[], io: CliIo = processIo): Promise<number> {
  return runSubcommand({ system: 'sales', usage: USAGE, commands, operationalErrors: [SalesCommandError, ListenError] }, argv, io);
}
