import type { CliIo } from '../../../../kit/cli/args.ts';
import { type SubcommandSet, runSubcommand } from '../../../../kit/cli/subcommands.ts';
import { ListenError } from '../../../../kit/observe/listen-error.ts';
import { PostgresUnreachableError } from '../store/pg-database.ts';
import { ChatWsCommandError } from './common.ts';
import { PersisterCommandError } from './persister-command.ts';

const USAGE = `usage: mensageiro chat ws <role> [options]

  server    one instance: GET /ws (the JSON protocol), the chat page, /health, /metrics
  cluster   Redis, N instances on 8081… and nginx on 8080 in front (ip_hash), as separate processes
  persister moves accepted messages from the Redis stream into PostgreSQL, in batches (COPY)
  bridge    joins these rooms and the ZeroMQ chat's channels (its broker and proxy), each message once
  token     prints a JWT (HS256, signed with $MENSAGEIRO_CHAT_JWT_SECRET) for a user
  bench     against Socket.IO 4 in the same run: room delivery, highest rate, memory per idle connection
  socketio-peer  the bench's minimal Socket.IO server (development dependencies)

The chat also runs embedded in "mensageiro up" under /chat/. Run "mensageiro chat ws <role> --help" for its options.
`;

const commands: SubcommandSet['commands'] = {
  server: async () => (await import('./server-command.ts')).serverCommand,
  cluster: async () => (await import('./cluster-command.ts')).clusterCommand,
  token: async () => (await import('./token-command.ts')).tokenCommand,
  persister: async () => (await import('./persister-command.ts')).persisterCommand,
  bridge: async () => (await import('./bridge-command.ts')).bridgeCommand,
  bench: async () => (await import('./bench-command.ts')).wsBenchCommand,
  'socketio-peer': async () => (await import('./socketio-peer-command.ts')).socketIoPeerCommand,
};

export function chatWsCommand(argv: string[], io: CliIo): Promise<number> {
  return runSubcommand({ system: 'chat ws', usage: USAGE, commands, operationalErrors: [ChatWsCommandError, ListenError, PersisterCommandError, PostgresUnreachableError] }, argv, io);
}
