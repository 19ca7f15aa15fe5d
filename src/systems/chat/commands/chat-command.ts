import { type CliIo, processIo } from '../../../kit/cli/args.ts';
import { type SubcommandSet, runSubcommand } from '../../../kit/cli/subcommands.ts';

const USAGE = `usage: mensageiro chat <front door> <role> [options]

  ws    the WebSocket chat after go-socket: server, persister, bridge, cluster, token, bench
  zmq   the FEI CC7261 instant-messaging system over ZeroMQ: broker, proxy, reference, server, client, bot, cluster

Run "mensageiro chat ws --help" or "mensageiro chat zmq --help" for their roles.
`;

const commands: SubcommandSet['commands'] = {
  zmq: async () => (await import('../zmq/commands/chat-zmq-command.ts')).chatZmqCommand,
  ws: async () => (await import('../ws/commands/chat-ws-command.ts')).chatWsCommand,
};

/** `mensageiro chat …`: the two front doors share the chat domain; each has its own roles. */
export function runChat(argv: string[], io: CliIo = processIo): Promise<number> {
  return runSubcommand({ system: 'chat', usage: USAGE, commands, operationalErrors: [] }, argv, io);
}
