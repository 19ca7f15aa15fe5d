import { type CliIo, UsageError, durationOption, parseOptions, positiveInteger } from '../../../../kit/cli/args.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { DEFAULT_BATCH_PAUSE_MS, runChatBot } from '../roles/chat-bot.ts';
import { ChatSession } from '../roles/chat-session.ts';
import { tcpEndpoint } from './endpoints.ts';

export const BOT_HELP = `usage: mensageiro chat zmq bot [--broker tcp://127.0.0.1:5555] [--proxy tcp://127.0.0.1:5558] [--interval 100ms] [--pause 5s-10s]

The course's automated client: logs in under a random name (bot-<adjective>-<hex>), follows its own name for
direct messages, then loops forever: lists the channels (creating "geral" when there is none, and now and then
a new one), picks one at random, publishes 10 messages to it and pauses. A summary line every 5 s; Ctrl-C
stops it.

  --broker URL       the broker's port for clients (default tcp://127.0.0.1:5555)
  --proxy URL        the proxy's port for subscribers (default tcp://127.0.0.1:5558)
  --interval D       pause between two messages (default 100ms; 0 sends as fast as the replies come)
  --pause D[-D]      pause after each 10 messages, at random within the range (default 5s-10s, as the
                     course's bot; 0 for none, to load the servers)
  --channels A,B     channels to create at start
  --messages N       stop after N messages (default: never)
  --user NAME        this name instead of a random one
`;

export async function botCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat zmq bot --help';
  const { values } = parseOptions(argv, help, {
    broker: { type: 'string' },
    proxy: { type: 'string' },
    interval: { type: 'string' },
    pause: { type: 'string' },
    channels: { type: 'string' },
    messages: { type: 'string' },
    user: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(BOT_HELP);
    return 0;
  }
  const broker = tcpEndpoint('--broker', values.broker ?? 'tcp://127.0.0.1:5555', help);
  const proxy = tcpEndpoint('--proxy', values.proxy ?? 'tcp://127.0.0.1:5558', help);
  const intervalMs = durationOption('--interval', values.interval ?? '100ms', help, true);
  const pauseMs = values.pause === undefined ? DEFAULT_BATCH_PAUSE_MS : pauseRange(values.pause, help);
  const channels = values.channels === undefined ? [] : values.channels.split(',').map((name) => name.trim());
  if (channels.some((name) => !/^\S+$/.test(name))) throw new UsageError(`--channels takes names separated by commas, as geral,esportes; got "${values.channels}"`, help);
  const messages = values.messages === undefined ? undefined : positiveInteger('--messages', values.messages, help);
  if (values.user !== undefined && !/^\S+$/.test(values.user)) throw new UsageError(`--user takes one word, got "${values.user}"`, help);

  const session = await ChatSession.open({ broker, proxy });
  const stop = new AbortController();
  void untilSignal().then(() => stop.abort());
  try {
    const log = (line: string) => io.stdout.write(`${line}\n`);
    const pausing = pauseMs.max === 0 ? 'no pause' : pauseMs.min === pauseMs.max ? `${pauseMs.min} ms pause` : `a ${pauseMs.min}-${pauseMs.max} ms pause`;
    log(`chat bot: requests to ${broker}, publications from ${proxy}, ${intervalMs} ms between messages, ${pausing} after each 10; Ctrl-C stops it`);
    const summary = await runChatBot({ session, user: values.user, intervalMs, pauseMs, channels, messages, log, signal: stop.signal });
    log(`${summary.user}: stopped after ${summary.sent} sent, ${summary.failed} failed, ${summary.received} received, clock ${summary.clock}`);
  } finally {
    await session.close();
  }
  return 0;
}

/** `5s-10s` (a random pause within the range), `3s` or `0`. */
function pauseRange(value: string, help: string): { min: number; max: number } {
  const parts = value.split('-');
  const parsed = parts.map((part) => {
    try {
      return durationOption('--pause', part.trim(), help, true);
    } catch {
      return Number.NaN;
    }
  });
  if (parts.length > 2 || parsed.some(Number.isNaN)) throw new UsageError(`--pause takes a duration or a range of two, as in 5s-10s or 0; got "${value}"`, help);
  const [min, max = min] = parsed as [number, number?];
  if (max < min) throw new UsageError(`--pause ${value}: the range must go up, as in 5s-10s`, help);
  return { min, max };
}
