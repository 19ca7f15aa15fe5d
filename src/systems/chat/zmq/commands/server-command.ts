import { type CliIo, UsageError, nonNegativeInteger, parseOptions, positiveInteger } from '../../../../kit/cli/args.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { type ChatServer, DEFAULT_REP_SOCKETS, startChatServer } from '../roles/chat-server.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../wire/chat-message.ts';
import { ChatZmqCommandError } from './common.ts';
import { tcpEndpoint } from './endpoints.ts';

export const SERVER_HELP = `usage: mensageiro chat zmq server --name s1 [options]

One chat server. It asks the reference for its rank, catches up with the other servers, then answers the
broker's clients (login, users, channel, channels, publish, message) on a REP socket, publishes through the
proxy, and on its own peer port takes part in clock sync (Berkeley), election (bully) and replication.

  --name NAME              this server's name, unique in the cluster (required)
  --broker URL             the broker's DEALER for servers (default tcp://127.0.0.1:5556)
  --proxy-xsub URL         the proxy's XSUB, where publications go (default tcp://127.0.0.1:5557)
  --proxy-xpub URL         the proxy's XPUB, for the servers topic (default tcp://127.0.0.1:5558)
  --reference URL          the reference service (default tcp://127.0.0.1:5559)
  --peer-host HOST         address the peer port binds (default 127.0.0.1; 0.0.0.0 in a container)
  --peer-port N            the peer port (default 0: any free port; it is registered with the reference)
  --advertise-host HOST    the host name other servers dial, when it is not --peer-host (a container name)
  --data-dir DIR           where <name>.sqlite lives (default ./chat-zmq-data)
  --max-message-bytes N    requests larger than this get an erro reply (default ${DEFAULT_MAX_MESSAGE_BYTES})
  --rep-sockets N          REP sockets to the broker, i.e. requests handled at once (default ${DEFAULT_REP_SOCKETS})
`;

export async function serverCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat zmq server --help';
  const { values } = parseOptions(argv, help, {
    name: { type: 'string' },
    broker: { type: 'string' },
    'proxy-xsub': { type: 'string' },
    'proxy-xpub': { type: 'string' },
    reference: { type: 'string' },
    'peer-host': { type: 'string' },
    'peer-port': { type: 'string' },
    'advertise-host': { type: 'string' },
    'data-dir': { type: 'string' },
    'max-message-bytes': { type: 'string' },
    'rep-sockets': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(SERVER_HELP);
    return 0;
  }
  const name = values.name?.trim();
  if (!name) throw new UsageError('give this server a name: --name s1', help);
  if (!/^[\w.-]{1,64}$/.test(name)) throw new UsageError(`--name takes letters, digits, "_", "." and "-" (up to 64), got "${name}"`, help);
  const peerPort = nonNegativeInteger('--peer-port', values['peer-port'] ?? '0', help);
  if (peerPort > 65_535) throw new UsageError(`--peer-port takes a port from 0 to 65535, got ${peerPort}`, help);

  let server: ChatServer;
  try {
    server = await startChatServer({
      name,
      broker: tcpEndpoint('--broker', values.broker ?? 'tcp://127.0.0.1:5556', help),
      proxyXsub: tcpEndpoint('--proxy-xsub', values['proxy-xsub'] ?? 'tcp://127.0.0.1:5557', help),
      proxyXpub: tcpEndpoint('--proxy-xpub', values['proxy-xpub'] ?? 'tcp://127.0.0.1:5558', help),
      reference: tcpEndpoint('--reference', values.reference ?? 'tcp://127.0.0.1:5559', help),
      peerBind: `tcp://${values['peer-host'] ?? '127.0.0.1'}:${peerPort}`,
      advertiseHost: values['advertise-host'],
      dataDir: values['data-dir'] ?? 'chat-zmq-data',
      maxMessageBytes: positiveInteger('--max-message-bytes', values['max-message-bytes'] ?? String(DEFAULT_MAX_MESSAGE_BYTES), help),
      repSockets: positiveInteger('--rep-sockets', values['rep-sockets'] ?? String(DEFAULT_REP_SOCKETS), help),
      log: (line) => io.stdout.write(`${line}\n`),
    });
  } catch (err) {
    throw new ChatZmqCommandError(`server ${name} could not start: ${(err as Error).message}`);
  }
  try {
    io.stdout.write(`chat server ${server.name} ready: rank ${server.rank}, peer port ${server.peerEndpoint}; Ctrl-C stops it\n`);
    const signal = await untilSignal();
    io.stdout.write(`chat server ${server.name}: ${signal}, stopping\n`);
  } finally {
    await server.close();
  }
  return 0;
}
