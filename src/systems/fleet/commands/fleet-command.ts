import { type CliIo, processIo } from '../../../kit/cli/args.ts';
import { type SubcommandSet, runSubcommand } from '../../../kit/cli/subcommands.ts';
import { ListenError } from '../../../kit/observe/listen-error.ts';
import { FleetServiceBindError } from '../roles/fleet-service.ts';
import { FleetCommandError } from './common.ts';

const USAGE = `usage: mensageiro fleet <command> [options]

  api       the order API on :8000, with the transactional outbox and its relay (PostgreSQL, RabbitMQ)
  relay     an outbox relay on its own, beside the API's
  service   the gRPC search service: the nearest driver within 5 km of an order's pickup point
  drivers   drivers on a random walk around São Paulo, or the two reference drivers, for the service to find
  worker    consumes OrderCreated events and dispatches each order to the driver the service finds
  bench     open-model load on POST /api/v1/orders: the ingest latency, with the relay and without
  up        the API, PGlite and the relay in one process on the in-memory bus, with a page

Run "mensageiro fleet <command> --help" for its options.
`;

/** Loaded on use, one entry per line, so a role does not carry its siblings in memory. */
const commands: SubcommandSet['commands'] = {
  api: async () => (await import('./api-command.ts')).apiCommand,
  relay: async () => (await import('./relay-command.ts')).relayCommand,
  service: async () => (await import('./service-command.ts')).serviceCommand,
  drivers: async () => (await import('./drivers-command.ts')).driversCommand,
  worker: async () => (await import('./worker-command.ts')).workerCommand,
  bench: async () => (await import('./bench-command.ts')).benchCommand,
  up: async () => (await import('./up-command.ts')).upCommand,
};

/** `mensageiro fleet …`: resolves with the exit code. */
export function runFleet(argv: string[], io: CliIo = processIo): Promise<number> {
  return runSubcommand({ system: 'fleet', usage: USAGE, commands, operationalErrors: [FleetCommandError, FleetServiceBindError, ListenError] }, argv, io);
}
