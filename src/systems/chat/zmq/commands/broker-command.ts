import { type CliIo, UsageError, nonNegativeInteger, parseOptions, positiveInteger } from '../../../../kit/cli/args.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { DEFAULT_BROKER_HIGH_WATER_MARK, startBroker } from '../roles/broker.ts';
import { ChatZmqCommandError } from './common.ts';

export const BROKER_HELP = `usage: mensageiro chat zmq broker [--frontend-port 5555] [--backend-port 5556] [--host 127.0.0.1]

The request/reply broker: clients and bots connect their REQ sockets to the ROUTER (frontend), servers
connect their REP sockets to the DEALER (backend), and each request goes to the next server in turn.

  --frontend-port N   ROUTER port for clients and bots (default 5555)
  --backend-port N    DEALER port for servers (default 5556)
  --host H            address to bind (default 127.0.0.1, this machine only; * for every interface, as in a container)
  --hwm N             requests held while no server is connected (then clients stop being read), and a
                      server's connection holding N KiB unsent is skipped (default ${DEFAULT_BROKER_HIGH_WATER_MARK})
`;

export async function brokerCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat zmq broker --help';
  const { values } = parseOptions(argv, help, {
    'frontend-port': { type: 'string' },
    'backend-port': { type: 'string' },
    host: { type: 'string' },
    hwm: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(BROKER_HELP);
    return 0;
  }
  const host = hostOption(values.host, help);
  const frontend = tcpAddress(host, portOption('--frontend-port', values['frontend-port'] ?? '5555', help));
  const backend = tcpAddress(host, portOption('--backend-port', values['backend-port'] ?? '5556', help));
  const highWaterMark = values.hwm === undefined ? undefined : positiveInteger('--hwm', values.hwm, help);

  const broker = await startBroker({ frontend, backend, highWaterMark }).catch((err: unknown) => {
    throw bindFailure(err, 'the broker', '--frontend-port and --backend-port');
  });
  try {
    io.stdout.write(`chat broker: clients connect to ${broker.frontendEndpoint} (ROUTER), servers to ${broker.backendEndpoint} (DEALER); Ctrl-C stops it\n`);
    const signal = await untilSignal();
    io.stdout.write(`chat broker: ${signal}, stopping\n`);
  } finally {
    await broker.close();
  }
  return 0;
}

// Shared by the proxy and reference commands.

export function portOption(flag: string, value: string, help: string): number {
  const port = nonNegativeInteger(flag, value, help);
  if (port > 65_535) throw new UsageError(`${flag} takes a port from 0 to 65535, got "${value}"`, help);
  return port;
}

export function hostOption(value: string | undefined, help: string): string {
  const host = (value ?? '127.0.0.1').trim();
  if (host === '' || /[\s/]/.test(host)) throw new UsageError(`--host takes an address or a host name (or * for every interface), got "${value}"`, help);
  return host;
}

export function tcpAddress(host: string, port: number): string {
  return `tcp://${host}:${port}`;
}

/** A bind that failed, as a message that says what to do; anything but a bind failure is passed on as is. */
export function bindFailure(err: unknown, role: string, portFlags: string): unknown {
  const { code, address, port } = err as { code?: string; address?: string; port?: number };
  // libzmq names the endpoint in `address`; node:net gives the host and the port apart.
  const where = address === undefined ? 'its address' : port === undefined ? address : `tcp://${address}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ChatZmqCommandError(`${role} cannot bind ${where}: the port is taken; stop what listens there, or pick others with ${portFlags}`);
    case 'EADDRNOTAVAIL':
    case 'ENODEV':
      return new ChatZmqCommandError(`${role} cannot bind ${where}: that host is not an address of this machine; use --host 127.0.0.1, or * for every interface`);
    case 'EACCES':
      return new ChatZmqCommandError(`${role} cannot bind ${where}: the port needs privileges; pick one above 1023`);
    default:
      return err;
  }
}
