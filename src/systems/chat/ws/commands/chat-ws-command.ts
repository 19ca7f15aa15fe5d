import type { CliIo } from '../../../../kit/cli/args.ts';
import { type SubcommandSet, runSubcommand } from '../../../../kit/cli/subcommands.ts';
import { PostgresUnreachableError } from '../store/pg-database.ts';
import { PersisterCommandError } from './persister-command.ts';

const USAGE = `usage: mensageiro chat ws <role> [options]

  persister   moves accepted messages from the Redis stream into PostgreSQL, in batches

Run "mensageiro chat ws <role> --help" for its options.
`;

const commands: SubcommandSet['commands'] = {
  persister: async () => (await import('./persister-command.ts')).persisterCommand,
};

export async function chatWsCommand(argv: string[], io: CliIo): Promise<number> {
  return runSubcommand({ system: 'chat ws', usage: USAGE, commands, operationalErrors: [PersisterCommandError, PostgresUnreachableError] }, argv, io);
}
