import { type CliIo, durationOption, parseOptions } from '../../../../kit/cli/args.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { DEFAULT_STALE_AFTER_MS, startReference } from '../roles/reference.ts';
import { bindFailure, hostOption, portOption, tcpAddress } from './broker-command.ts';

export const REFERENCE_HELP = `usage: mensageiro chat zmq reference [--port 5559] [--host 127.0.0.1] [--stale-after ${DEFAULT_STALE_AFTER_MS / 1_000}s]

The reference service, for servers only (REP): "rank" gives each server name a rank (1, 2, 3… in order of
first contact, kept for good), "heartbeat" keeps a server listed, "list" names the servers heard from lately.
Ranks live in memory: after a restart the servers' heartbeats rank them again.

  --port N          REP port (default 5559)
  --host H          address to bind (default 127.0.0.1, this machine only; * for every interface, as in a container)
  --stale-after D   a server silent this long leaves the list, as in 5s or 30s (default ${DEFAULT_STALE_AFTER_MS / 1_000}s)
`;

export async function referenceCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat zmq reference --help';
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    host: { type: 'string' },
    'stale-after': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(REFERENCE_HELP);
    return 0;
  }
  const bind = tcpAddress(hostOption(values.host, help), portOption('--port', values.port ?? '5559', help));
  const staleAfterMs = values['stale-after'] === undefined ? DEFAULT_STALE_AFTER_MS : durationOption('--stale-after', values['stale-after'], help);

  const reference = await startReference({ bind, staleAfterMs }).catch((err: unknown) => {
    throw bindFailure(err, 'the reference', '--port');
  });
  try {
    io.stdout.write(`chat reference: servers connect to ${reference.endpoint} (REP); silent for ${staleAfterMs / 1_000} s drops a server from the list; Ctrl-C stops it\n`);
    const signal = await untilSignal();
    io.stdout.write(`chat reference: ${signal}, stopping\n`);
  } finally {
    await reference.close();
  }
  return 0;
}
