import { type CliIo, parseOptions, positiveInteger } from '../../../../kit/cli/args.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { DEFAULT_PUBSUB_MAX_BEHIND_BYTES, startPubSubProxy } from '../roles/proxy.ts';
import { bindFailure, hostOption, portOption, tcpAddress } from './broker-command.ts';

export const PROXY_HELP = `usage: mensageiro chat zmq proxy [--xsub-port 5557] [--xpub-port 5558] [--host 127.0.0.1]

The Pub/Sub proxy: servers connect their PUB sockets to the XSUB side, clients and bots their SUB sockets
to the XPUB side; publications flow down to the subscribers of their topic, subscriptions flow up.

  --xsub-port N   XSUB port for publishers (default 5557)
  --xpub-port N   XPUB port for subscribers (default 5558)
  --host H        address to bind (default 127.0.0.1, this machine only; * for every interface, as in a container)
  --max-behind-mb N  how far (MiB unsent) a subscriber may fall behind before it loses copies; the others
                     are never held up by it, and every copy dropped is counted on stderr
                     (default ${DEFAULT_PUBSUB_MAX_BEHIND_BYTES / 1024 / 1024})
`;

export async function proxyCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat zmq proxy --help';
  const { values } = parseOptions(argv, help, {
    'xsub-port': { type: 'string' },
    'xpub-port': { type: 'string' },
    host: { type: 'string' },
    'max-behind-mb': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(PROXY_HELP);
    return 0;
  }
  const host = hostOption(values.host, help);
  const xsub = tcpAddress(host, portOption('--xsub-port', values['xsub-port'] ?? '5557', help));
  const xpub = tcpAddress(host, portOption('--xpub-port', values['xpub-port'] ?? '5558', help));
  const maxBehindMb = values['max-behind-mb'] === undefined ? undefined : positiveInteger('--max-behind-mb', values['max-behind-mb'], help);
  const onDrop = (dropped: number) =>
    io.stderr.write(`chat proxy: ${dropped} publications dropped so far for subscribers over ${maxBehindMb ?? DEFAULT_PUBSUB_MAX_BEHIND_BYTES / 1024 / 1024} MiB behind (they are not reading); raise --max-behind-mb if they only burst\n`);

  const proxy = await startPubSubProxy({ xsub, xpub, maxBehindBytes: maxBehindMb === undefined ? undefined : maxBehindMb * 1024 * 1024, onDrop }).catch((err: unknown) => {
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
