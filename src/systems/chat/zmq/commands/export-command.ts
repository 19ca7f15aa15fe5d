import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliIo, UsageError, parseOptions } from '../../../../kit/cli/args.ts';
import { readServerData } from '../../store/sqlite-op-log.ts';
import { ChatZmqCommandError } from './common.ts';

export const EXPORT_HELP = `usage: mensageiro chat zmq export --server s1 [--data-dir ./chat-zmq-data] [--out server_data.json]

Writes what server s1 holds in the course's server_data.json shape: logins, channels, channel_messages and
user_messages, each in Lamport order, each entry's timestamp in Unix seconds (and in ISO 8601 in
timestamp_iso). It reads the server's database while the server runs. --out - prints it.
`;

export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat zmq export --help';
  const { values } = parseOptions(argv, help, {
    server: { type: 'string' },
    'data-dir': { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(EXPORT_HELP);
    return 0;
  }
  if (!values.server) throw new UsageError('say which server to export: --server s1', help);
  const dataDir = values['data-dir'] ?? 'chat-zmq-data';
  const path = join(dataDir, `${values.server}.sqlite`);
  if (!existsSync(path)) throw new ChatZmqCommandError(`no data for server ${values.server} at ${path}: check --name and --data-dir of that server`);
  const json = `${JSON.stringify(readServerData(path), null, 2)}\n`;
  const out = values.out ?? 'server_data.json';
  if (out === '-') io.stdout.write(json);
  else {
    writeFileSync(out, json);
    io.stdout.write(`wrote ${out} from ${path}\n`);
  }
  return 0;
}
