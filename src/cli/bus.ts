import type { Bus } from '../kit/bus/bus.ts';
import { decodeBody } from '../kit/bus/codecs.ts';
import type { Envelope } from '../kit/bus/envelope.ts';
import { DEFAULT_BUS_URL } from '../kit/bus/registry.ts';
import { deadLetterQueue } from '../kit/bus/transport.ts';
import { type CliIo, UsageError, parseOptions, positiveInteger, processIo } from '../kit/cli/args.ts';
import { type SubcommandSet, runSubcommand } from '../kit/cli/subcommands.ts';
import { EngineError, busUrl, openBus } from './bus-common.ts';

export type { CliIo } from '../kit/cli/args.ts';

const USAGE = `usage: mensageiro bus <command> [options]

  bench         measure a bus pattern end to end (see: mensageiro bus bench --help)
  dlq list      show the messages parked in a queue's dead-letter queue
  dlq replay    move them back onto the queue

The bus URL comes from --url, else MENSAGEIRO_BUS_URL, else ${DEFAULT_BUS_URL}
`;

const DLQ_USAGE = `usage: mensageiro bus dlq list <queue> [--url URL] [--limit 20] [--json]
       mensageiro bus dlq replay <queue> [--url URL] [--limit N]

  list     shows the messages parked in <queue>.dlq (id, attempt, reason, time, body), oldest first, left in place
  replay   moves up to --limit of them (default: all) back onto <queue> with a fresh attempt count

  --url URL   redis://host:6379 or amqp://user:pass@host:5672 (default: MENSAGEIRO_BUS_URL or ${DEFAULT_BUS_URL})
`;



const commands: SubcommandSet['commands'] = {
  bench: async () => (await import('./bus-bench.ts')).benchCommand,
  dlq: async () => dlq,
};

/** `mensageiro bus …`: resolves with the exit code. */
export function runBus(argv: string[], io: CliIo = processIo): Promise<number> {
  return runSubcommand({ system: 'bus', usage: USAGE, commands, operationalErrors: [EngineError] }, argv, io);
}

async function dlq(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro bus dlq --help';
  const { values, positionals } = parseOptions(
    argv,
    help,
    {
      url: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help || positionals.length === 0) {
    io.stdout.write(DLQ_USAGE);
    return values.help ? 0 : 2;
  }
  const [action, queue, ...extra] = positionals;
  if (action !== 'list' && action !== 'replay') throw new UsageError(`unknown dlq command "${action}": use dlq list <queue> or dlq replay <queue>`, help);
  if (!queue) throw new UsageError(`name the queue whose dead letters to ${action}, as in: mensageiro bus dlq ${action} orders`, help);
  if (extra.length > 0) throw new UsageError(`unexpected "${extra.join(' ')}": dlq ${action} takes one queue`, help);
  if (queue.endsWith('.dlq')) throw new UsageError(`give the queue itself, not its dead-letter queue: mensageiro bus dlq ${action} ${queue.slice(0, -4)}`, help);
  const url = busUrl(values.url);
  if (url.startsWith('memory:')) {
    io.stderr.write(`note: ${url} lives inside one process, so this command sees only its own empty broker; pass --url redis://… or amqp://… to reach a shared engine.\n`);
  }
  const bus = await openBus(url);
  try {
    if (action === 'list') {
      const limit = values.limit === undefined ? 20 : positiveInteger('--limit', values.limit, help);
      await listDeadLetters(bus, queue, limit, values.json === true, io);
    } else {
      const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : positiveInteger('--limit', values.limit, help);
      const moved = await bus.replayDeadLetters(queue, limit);
      if (values.json) io.stdout.write(`${JSON.stringify({ queue, moved })}\n`);
      else io.stdout.write(`moved ${moved} message${moved === 1 ? '' : 's'} from ${deadLetterQueue(queue)} back to ${queue}\n`);
    }
  } finally {
    await bus.close({ graceMs: 0 });
  }
  return 0;
}

interface ParkedView {
  id: string;
  attempt: number;
  reason: string;
  time: string;
  contentType: string;
  body: string;
}

async function listDeadLetters(bus: Bus, queue: string, limit: number, json: boolean, io: CliIo): Promise<void> {
  const parked = (await bus.deadLetters(queue, limit)).map(view);
  if (json) {
    io.stdout.write(`${JSON.stringify({ queue, deadLetterQueue: deadLetterQueue(queue), messages: parked })}\n`);
    return;
  }
  if (parked.length === 0) {
    io.stdout.write(`${deadLetterQueue(queue)} is empty\n`);
    return;
  }
  const rows = [['id', 'attempt', 'time', 'reason', 'body'], ...parked.map((p) => [p.id, String(p.attempt), p.time, clip(p.reason, 50), clip(p.body, 60)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) io.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}\n`);
  const more = parked.length === limit ? ` (the first ${limit}; --limit shows more)` : '';
  io.stdout.write(`${parked.length} parked in ${deadLetterQueue(queue)}${more}; replay them with: mensageiro bus dlq replay ${queue}\n`);
}

function view(envelope: Envelope): ParkedView {
  return {
    id: envelope.id,
    attempt: envelope.attempt,
    reason: envelope.headers['x-dead-letter-reason'] ?? '',
    time: envelope.headers['x-dead-lettered-at'] ?? new Date(envelope.timestamp).toISOString(),
    contentType: envelope.contentType,
    body: preview(envelope),
  };
}

function preview(envelope: Envelope): string {
  try {
    const body = decodeBody(envelope.contentType, envelope.body);
    if (body instanceof Uint8Array) return `<${body.byteLength} bytes>`;
    return typeof body === 'string' ? body : JSON.stringify(body);
  } catch {
    return `<${envelope.body.byteLength} bytes of ${envelope.contentType}>`;
  }
}

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
