import { type CliIo, parseOptions, positiveInteger } from '../../../../kit/cli/args.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { DEFAULT_PUBSUB_HIGH_WATER_MARK, startPubSubProxy } from '../roles/proxy.ts';
import { bindFailure, hostOption, portOption, tcpAddress } from './broker-command.ts';

export const PROXY_HELP = `usage: mensageiro chat zmq proxy [--xsub-port 5557] [--xpub-port 5558] [--host 127.0.0.1]

The Pub/Sub proxy: servers connect their PUB sockets to the XSUB side, clients and bots their SUB sockets
to the XPUB side; publications flow down to the subscribers of their topic, subscriptions flow up.

  --xsub-port N   XSUB port for publishers (default 5557)
  --xpub-port N   XPUB port for subscribers (default 5558)
  --host H        address to bind (default 127.0.0.1, this machine only; * for every interface, as in a container)
  --hwm N         messages queued per publisher and per subscriber before a slow subscriber loses its copies
                  (default ${DEFAULT_PUBSUB_HIGH_WATER_MARK})
`;

export async function proxyCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat zmq proxy --help';
  const { values } = parseOptions(argv, help, {
    'xsub-port': { type: 'string' },
    'xpub-port': { type: 'string' },
    host: { type: 'string' },
    hwm: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(PROXY_HELP);
    return 0;
  }
  const host = hostOption(values.host, help);
  const xsub = tcpAddress(host, portOption('--xsub-port', values['xsub-port'] ?? '5557', help));
  const xpub = tcpAddress(host, portOption('--xpub-port', values['xpub-port'] ?? '5558', help));
  const highWaterMark = values.hwm === undefined ? undefined : positiveInteger('--hwm', values.hwm, help);

  const proxy = await startPubSubProxy({ xsub, xpub, highWaterMark }).catch((err: unknown) => {
    throw bindFailure(err, 'the proxy', '--xsub-port and --xpub-port');
  });
  try {
    io.stdout.write(`chat proxy: publishers connect to ${proxy.xsubEndpoint} (XSUB), subscribers to ${proxy.xpubEndpoint} (XPUB); Ctrl-C stops it\n`);
    const signal = await untilSignal();
    io.stdout.write(`chat proxy: ${signal}, stopping\n`);
  } finally {
    await proxy.close();
  }
  return 0;
}
