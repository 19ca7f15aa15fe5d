import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ChatRequestError, type ChatSession } from './chat-session.ts';

/** What a bot needs of a ChatSession (a ChatSession is one). */
export type BotSession = Pick<ChatSession, 'user' | 'clock' | 'login' | 'channels' | 'createChannel' | 'publish' | 'subscribe' | 'onPublication'>;

export interface ChatBotOptions {
  session: BotSession;
  /** Default: a random name, as bot-azul-3f9c. */
  user?: string;
  /** Pause between two messages; 0 sends as fast as the replies come. */
  intervalMs: number;
  /** Channels to create before the first message (an existing one is fine). */
  channels?: string[];
  /** Stop after this many publish attempts; by default the bot runs until `signal` aborts. */
  messages?: number;
  /** Messages sent to one channel before picking another (the course says 10). */
  batch?: number;
  /** Pause after each batch, drawn at random in [min, max] ms; the course's 5 to 10 s by default, 0 for load. */
  pauseMs?: { min: number; max: number };
  /** Chance, at each pick, of creating a new channel first. */
  newChannelChance?: number;
  /** No new channels once this many exist (a fast bot would otherwise fill the list). */
  maxChannels?: number;
  /** One summary line this often (0: only at the end). */
  summaryEveryMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BotSummary {
  user: string;
  /** Publications the servers accepted. */
  sent: number;
  /** Publications refused or unanswered. */
  failed: number;
  /** Direct messages received on the bot's own name. */
  received: number;
  channelsCreated: string[];
  /** The Lamport clock when the bot stopped. */
  clock: number;
}

const ADJECTIVES = ['azul', 'verde', 'rapido', 'calmo', 'curioso', 'feliz', 'sabio', 'timido', 'veloz', 'alegre', 'bravo', 'gentil'];
const PHRASES = ['bom dia', 'alguém aí?', 'olá a todos', 'que dia bonito', 'testando o canal', 'zeromq é rápido', 'relógio de Lamport', 'mensagem automática'];
const FIRST_CHANNEL = 'geral';
const RETRY_PAUSE_MS = 1_000;
/** The course's bot pauses 5 to 10 s between its batches. */
export const DEFAULT_BATCH_PAUSE_MS = { min: 5_000, max: 10_000 };

/** A random user name for a bot: bot-<adjective>-<4 hex digits>. */
export function randomBotName(): string {
  return `bot-${pick(ADJECTIVES)}-${hex4()}`;
}

/**
 * The course's automated client: logs in under a random name, follows its own name, then loops: list the
 * channels (creating `geral` when there is none, and now and then a new one), pick one at random, publish
 * `batch` messages to it, pause. Refusals and unanswered requests are counted and the loop goes on.
 */
export async function runChatBot(options: ChatBotOptions): Promise<BotSummary> {
  const { session, signal } = options;
  const log = options.log ?? (() => {});
  const batch = options.batch ?? 10;
  const batchPause = options.pauseMs ?? DEFAULT_BATCH_PAUSE_MS;
  const growth = { chance: options.newChannelChance ?? 0.05, max: options.maxChannels ?? 8 };
  const limit = options.messages ?? Number.POSITIVE_INFINITY;
  const user = options.user ?? randomBotName();
  const summary: BotSummary = { user, sent: 0, failed: 0, received: 0, channelsCreated: [], clock: 0 };
  const done = () => signal?.aborted === true || summary.sent + summary.failed >= limit;

  const stopListening = session.onPublication((publication) => {
    if (publication.topic === user) summary.received += 1;
  });
  const reporter = startReporter(summary, session, options.summaryEveryMs ?? 5_000, log);
  try {
    if (!(await logIn(session, user, log, signal))) return summary;
    session.subscribe(user);
    for (const channel of options.channels ?? []) await createChannel(session, channel, summary, log);

    while (!done()) {
      const channel = await pickChannel(session, summary, growth, log);
      if (channel === undefined) {
        await pause(RETRY_PAUSE_MS, signal);
        continue;
      }
      for (let i = 1; i <= batch && !done(); i++) {
        try {
          await session.publish(channel, `${pick(PHRASES)} (${i}/${batch})`);
          summary.sent += 1;
        } catch (err) {
          summary.failed += 1;
          log(`${user}: publish to #${channel} failed: ${(err as Error).message}`);
          if (!(err instanceof ChatRequestError)) await pause(RETRY_PAUSE_MS, signal);
          break; // the channel may be gone from this server's view: pick again
        }
        if (options.intervalMs > 0 && !done()) await pause(options.intervalMs, signal);
      }
      if (batchPause.max > 0 && !done()) await pause(batchPause.min + Math.random() * (batchPause.max - batchPause.min), signal);
    }
    return summary;
  } finally {
    reporter.stop();
    stopListening();
    summary.clock = session.clock.value;
  }
}

/** Logs in, retrying while no server answers; false when stopped first. */
async function logIn(session: BotSession, user: string, log: (line: string) => void, signal?: AbortSignal): Promise<boolean> {
  while (signal?.aborted !== true) {
    try {
      await session.login(user);
      log(`${user}: logged in`);
      return true;
    } catch (err) {
      log(`${user}: login failed: ${(err as Error).message}; trying again in ${RETRY_PAUSE_MS / 1_000} s`);
      await pause(RETRY_PAUSE_MS, signal);
    }
  }
  return false;
}

async function pickChannel(session: BotSession, summary: BotSummary, growth: { chance: number; max: number }, log: (line: string) => void): Promise<string | undefined> {
  let channels: string[];
  try {
    channels = await session.channels();
  } catch (err) {
    summary.failed += 1;
    log(`${summary.user}: listing channels failed: ${(err as Error).message}`);
    return undefined;
  }
  if (channels.length === 0 || (channels.length < growth.max && Math.random() < growth.chance)) {
    const name = channels.length === 0 ? FIRST_CHANNEL : `sala-${hex4()}`;
    if (await createChannel(session, name, summary, log)) channels = [...channels, name];
  }
  return channels.length === 0 ? undefined : pick(channels);
}

/** True when the channel exists afterwards (created now, or by someone else before). */
async function createChannel(session: BotSession, channel: string, summary: BotSummary, log: (line: string) => void): Promise<boolean> {
  try {
    await session.createChannel(channel);
    summary.channelsCreated.push(channel);
    log(`${summary.user}: created #${channel}`);
    return true;
  } catch (err) {
    if (err instanceof ChatRequestError && /already exists/i.test(err.reason)) return true;
    log(`${summary.user}: creating #${channel} failed: ${(err as Error).message}`);
    return false;
  }
}

function startReporter(summary: BotSummary, session: BotSession, everyMs: number, log: (line: string) => void): { stop(): void } {
  if (everyMs <= 0) return { stop() {} };
  let last = { at: Date.now(), sent: 0 };
  const timer = setInterval(() => {
    const now = Date.now();
    const rate = ((summary.sent - last.sent) * 1_000) / Math.max(1, now - last.at);
    last = { at: now, sent: summary.sent };
    log(`${summary.user}: ${summary.sent} sent (${rate.toFixed(1)}/s), ${summary.failed} failed, ${summary.received} received, clock ${session.clock.value}`);
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Waits, or returns early when stopped. */
async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // aborted: the caller's loop sees it
  }
}

function pick<T>(items: readonly T[]): T {
  return items[randomInt(items.length)] as T;
}

function hex4(): string {
  return randomInt(0x10000).toString(16).padStart(4, '0');
}
