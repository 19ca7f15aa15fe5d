import { type CliIo, processIo } from '../../../kit/cli/args.ts';
import { type SubcommandSet, runSubcommand } from '../../../kit/cli/subcommands.ts';
import { ListenError } from '../../../kit/observe/http-server.ts';
import { FleetCommandError } from './common.ts';

const USAGE = `usage: mensageiro fleet <command> [options]

  api       the order API on :8000, with the transactional outbox and its relay (PostgreSQL, RabbitMQ)
  relay     an outbox relay on its own, beside the API's
  bench     open-model load on POST /api/v1/orders: the ingest latency, with the relay and without
  up        the API, PGlite and the relay in one process on the in-memory bus, with a page

Run "mensageiro fleet <command> --help" for its options.
`;

/** Loaded on use, one entry per line, so a role does not carry its siblings in memory. */
const commands: SubcommandSet['commands'] = {
  api: async () => (await import('./api-command.ts')).apiCommand,
  relay: async () => (await import('./relay-command.ts')).relayCommand,
  bench: async () => (await import('./bench-command.ts')).benchCommand,
  up: async () => (await import('./up-command.ts')).upCommand,
};

/** `mensageiro fleet …`: resolves with the exit code. */
export function runFleet(argv: string[], io: CliIo = processIo): Promise<number> {
  return runSubcommand({ system: 'fleet', usage: USAGE, commands, operationalErrors: [FleetCommandError, ListenError] }, argv, io);
}
