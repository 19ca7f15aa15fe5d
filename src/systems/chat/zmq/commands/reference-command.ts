import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CliIo, durationOption, parseOptions } from '../../../../kit/cli/args.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { DEFAULT_STALE_AFTER_MS, startReference } from '../roles/reference.ts';
import { ReferenceStateError } from '../roles/server-registry.ts';
import { ChatZmqCommandError } from './common.ts';
import { bindFailure, hostOption, portOption, tcpAddress } from './broker-command.ts';

export const REFERENCE_HELP = `usage: mensageiro chat zmq reference [--port 5559] [--host 127.0.0.1] [--stale-after ${DEFAULT_STALE_AFTER_MS / 1_000}s] [--data-dir ./chat-zmq-data]

The reference service, for servers only (REP): "rank" gives each server name a rank (1, 2, 3… in order of
first contact, kept for good), "heartbeat" keeps a server listed (and registers one it does not know, with
the address it carries), "list" names the servers heard from lately, with their addresses. Names, ranks and
addresses are kept in <data-dir>/reference.json, so a restarted reference lists the same servers at once.

  --port N          REP port (default 5559)
  --host H          address to bind (default 127.0.0.1, this machine only; * for every interface, as in a container)
  --stale-after D   a server silent this long leaves the list, as in 5s or 30s (default ${DEFAULT_STALE_AFTER_MS / 1_000}s)
  --data-dir DIR    where reference.json lives (default ./chat-zmq-data, as the servers')
`;

export async function referenceCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat zmq reference --help';
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    host: { type: 'string' },
    'stale-after': { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(REFERENCE_HELP);
    return 0;
  }
  const bind = tcpAddress(hostOption(values.host, help), portOption('--port', values.port ?? '5559', help));
  const staleAfterMs = values['stale-after'] === undefined ? DEFAULT_STALE_AFTER_MS : durationOption('--stale-after', values['stale-after'], help);

  const dataDir = values['data-dir'] ?? 'chat-zmq-data';
  mkdirSync(dataDir, { recursive: true });
  const statePath = join(dataDir, 'reference.json');

  const reference = await startReference({ bind, staleAfterMs, statePath }).catch((err: unknown) => {
    throw err instanceof ReferenceStateError ? new ChatZmqCommandError(err.message) : bindFailure(err, 'the reference', '--port');
  });
  try {
    io.stdout.write(`chat reference: servers connect to ${reference.endpoint} (REP); silent for ${staleAfterMs / 1_000} s drops a server from the list; state in ${statePath}; Ctrl-C stops it\n`);
    const signal = await untilSignal();
    io.stdout.write(`chat reference: ${signal}, stopping\n`);
  } finally {
    await reference.close();
  }
  return 0;
}
