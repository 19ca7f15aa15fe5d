import { redactUrl } from '../../../../kit/cli/args.ts';
import { openRedis } from '../../../../kit/store/redis-client.ts';
import { MemoryPresence } from '../roles/memory-presence.ts';
import type { Presence } from '../roles/presence.ts';
import { RedisPresence } from '../roles/redis-presence.ts';
import { MemoryMessageStore } from '../store/memory-history.ts';
import type { MessageHistory, MessageLog } from '../store/message-log.ts';
import { ChatWsCommandError } from './common.ts';

export interface ChatStore {
  messageLog: MessageLog;
  history: MessageHistory;
  close(): Promise<void>;
}

/** `--store` values, as the help lists them. */
export const STORE_CHOICES = 'memory (this instance alone, the default)';

/**
 * The one place a --store value becomes the message log and the history the server reads. `memory` keeps both
 * in this process; PostgreSQL (through the Redis stream) is added here.
 */
export async function openChatStore(value: string): Promise<ChatStore> {
  if (value === 'memory') {
    const store = new MemoryMessageStore();
    return { messageLog: store, history: store, close: () => store.close() };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    throw new ChatWsCommandError(`--store ${redactUrl(value)}: the PostgreSQL store is not part of this build yet; use --store memory`);
  }
  throw new ChatWsCommandError(`--store takes ${STORE_CHOICES}, got "${redactUrl(value)}"`);
}

export interface PresenceChoice {
  presence: Presence;
  /** Closes the connection behind it, after the hub has closed the presence itself. */
  release(): Promise<void>;
}

/** Presence on `value`: `memory`, or a Redis URL every instance shares. */
export async function openPresence(value: string, options: { instanceId: string; keyPrefix: string; ttlMs: number }): Promise<PresenceChoice> {
  if (value === 'memory') return { presence: new MemoryPresence(options.instanceId), release: async () => {} };
  if (!/^(redis|rediss|redis\+unix):\/\//.test(value)) throw new ChatWsCommandError(`presence needs Redis: --presence takes memory or redis://host:6379, got "${redactUrl(value)}"`);
  let redis;
  try {
    redis = await openRedis(value, `mensageiro:chat-ws:presence:${options.instanceId}`);
  } catch (err) {
    throw new ChatWsCommandError((err as Error).message);
  }
  const connection = redis;
  return { presence: new RedisPresence(connection, options), release: async () => void (await connection.quit().catch(() => connection.disconnect())) };
}

/** Where presence lives when --presence is not given: the bus's Redis, or this process with the memory bus. */
export function defaultPresence(busUrl: string): string | undefined {
  if (busUrl.startsWith('memory:')) return 'memory';
  if (/^(redis|rediss|redis\+unix):\/\//.test(busUrl)) return busUrl;
  return undefined;
}
