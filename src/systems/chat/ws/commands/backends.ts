import { UsageError, redactUrl } from '../../../../kit/cli/args.ts';
import { openRedis } from '../../../../kit/store/redis-client.ts';
import { MemoryPresence } from '../roles/memory-presence.ts';
import { openPersistence } from '../roles/persistence.ts';
import type { Presence } from '../roles/presence.ts';
import { RedisPresence } from '../roles/redis-presence.ts';
import { MemoryMessageStore } from '../store/memory-history.ts';
import { PostgresUnreachableError } from '../store/pg-database.ts';
import { schemaIdentifier } from '../store/sql-database.ts';
import type { MessageHistory, MessageLog } from '../store/message-log.ts';
import { ChatWsCommandError } from './common.ts';

export interface ChatStore {
  messageLog: MessageLog;
  history: MessageHistory;
  /** Where accepted messages go, for the start-up line. */
  description: string;
  close(): Promise<void>;
}

/** `--store` values, as the help lists them. */
export const STORE_CHOICES = 'memory (this instance alone, the default) or postgres://… (the Redis stream of --bus, then PostgreSQL; shared)';

export interface StoreContext {
  /** The bus's URL: with a PostgreSQL store, its Redis holds the message log (the stream). */
  busUrl: string;
  /** Before the stream's key (default gosocket:). */
  keyPrefix?: string;
  /** The PostgreSQL schema (default public). */
  schema?: string;
}

/**
 * The one place a --store value becomes the message log and the history the server reads. `memory` keeps both
 * in this process; a PostgreSQL URL appends to the Redis stream on the bus's Redis (persisters move it into
 * PostgreSQL) and reads history from both.
 */
export async function openChatStore(value: string, context: StoreContext): Promise<ChatStore> {
  if (value === 'memory') {
    const store = new MemoryMessageStore();
    return { messageLog: store, history: store, description: 'in this process', close: () => store.close() };
  }
  if (!/^postgres(ql)?:\/\//.test(value)) throw new ChatWsCommandError(`--store takes ${STORE_CHOICES}, got "${redactUrl(value)}"`);
  if (!/^(redis|rediss|redis\+unix):\/\//.test(context.busUrl)) {
    throw new ChatWsCommandError(`--store ${redactUrl(value)} keeps the message log in the bus's Redis: add --bus redis://host:6379 (got ${redactUrl(context.busUrl)})`);
  }
  try {
    const persistence = await openPersistence({ redisUrl: context.busUrl, postgresUrl: value, schema: context.schema, keyPrefix: context.keyPrefix });
    return { messageLog: persistence.log, history: persistence.history, description: persistence.description, close: () => persistence.close() };
  } catch (err) {
    if (err instanceof PostgresUnreachableError) {
      throw new ChatWsCommandError(`${err.message}; start PostgreSQL (sudo apt-get install -y postgresql), check the URL's user, password and database, or use --store memory`, { cause: err });
    }
    throw new ChatWsCommandError(`--store ${redactUrl(value)}: ${(err as Error).message}`, { cause: err });
  }
}

/** `--schema`, checked before anything is opened. */
export function schemaOption(value: string | undefined, help: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    schemaIdentifier(value);
  } catch (err) {
    throw new UsageError(`--schema: ${(err as Error).message}`, help);
  }
  return value;
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
