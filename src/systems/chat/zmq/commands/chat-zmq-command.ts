import type { CliIo } from '../../../../kit/cli/args.ts';
import { type SubcommandSet, runSubcommand } from '../../../../kit/cli/subcommands.ts';
import { ChatZmqCommandError } from './common.ts';

const USAGE = `usage: mensageiro chat zmq <role> [options]

  broker      ROUTER on 5555 for clients, DEALER on 5556 for servers (round-robin)
  proxy       XSUB on 5557 for publishers, XPUB on 5558 for subscribers
  reference   REP on 5559: rank, list and heartbeat for the servers
  server      one chat server: REP to the broker, PUB to the proxy, a peer port for clock, election and replication
  client      the interactive terminal client
  bot         a random user that keeps publishing to random channels
  cluster     the whole final topology as separate processes (3 servers, 2 bots by default)
  export      writes a server's data as the course's server_data.json
  bench       requests through the broker and publish-to-delivery latency

Run "mensageiro chat zmq <role> --help" for its options.
`;

const commands: SubcommandSet['commands'] = {
  broker: async () => (await import('./broker-command.ts')).brokerCommand,
  proxy: async () => (await import('./proxy-command.ts')).proxyCommand,
  reference: async () => (await import('./reference-command.ts')).referenceCommand,
  server: async () => (await import('./server-command.ts')).serverCommand,
  client: async () => (await import('./client-command.ts')).clientCommand,
  bot: async () => (await import('./bot-command.ts')).botCommand,
  cluster: async () => (await import('./cluster-command.ts')).clusterCommand,
  export: async () => (await import('./export-command.ts')).exportCommand,
  bench: async () => (await import('./bench-command.ts')).benchCommand,
};

export async function chatZmqCommand(argv: string[], io: CliIo): Promise<number> {
  return runSubcommand({ system: 'chat zmq', usage: USAGE, commands, operationalErrors: [ChatZmqCommandError] }, argv, io);
}
