import { type CliIo, processIo } from '../../../kit/cli/args.ts';
import { type SubcommandSet, runSubcommand } from '../../../kit/cli/subcommands.ts';
import { ListenError } from '../../../kit/observe/http-server.ts';
import { FleetServiceBindError } from '../roles/fleet-service.ts';
import { FleetCommandError } from './fleet-command-error.ts';

const USAGE = `usage: mensageiro fleet <command> [options]

  service     the gRPC search service: the nearest driver within 5 km of an order's pickup point
  drivers     drivers on a random walk around São Paulo, or the two reference drivers, for the service to find
  worker      consumes OrderCreated events and dispatches each order to the driver the service finds

Run "mensageiro fleet <command> --help" for its options.
`;

const commands: SubcommandSet['commands'] = {
  service: async () => (await import('./service-command.ts')).serviceCommand,
  drivers: async () => (await import('./drivers-command.ts')).driversCommand,
  worker: async () => (await import('./worker-command.ts')).workerCommand,
};

/** `mensageiro fleet …`: resolves with the exit code. */
export function runFleet(argv: string[], io: CliIo = processIo): Promise<number> {
  return runSubcommand({ system: 'fleet', usage: USAGE, commands, operationalErrors: [FleetCommandError, FleetServiceBindError, ListenError] }, argv, io);
}
