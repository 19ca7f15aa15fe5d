import type { Redis } from 'ioredis';
import { scripts } from '../../../../kit/bus/transports/redis/scripts.ts';
import type { LoggedEntry } from '../domain/room-message.ts';
import { type MessageLog, MessageLogFullError } from './message-log.ts';
import type { StreamNames } from './stream-names.ts';
import { encodeEntry } from './stream-fields.ts';

/**
 * Entries the stream may hold, at most. Persisted entries are trimmed as persisters commit, so this counts what
 * PostgreSQL does not have yet (plus a few): about 4 minutes of 1,000 messages a second with no persister.
 */
export const DEFAULT_MAX_STREAM_LENGTH = 250_000;

type AppendingRedis = Redis & { busSend(stream: string, maxLength: number, ...fields: string[]): Promise<string | null> };

/**
 * The cluster's message log: each entry one XADD to the stream, checked against the bound in the same script,
 * so a full stream refuses the entry (MessageLogFullError) instead of trimming an older one that no persister
 * has written yet, as XADD's own MAXLEN would.
 */
export class RedisStreamLog implements MessageLog {
  readonly #redis: AppendingRedis;

  /** `redis` stays the caller's to close. */
  constructor(
    redis: Redis,
    private readonly names: StreamNames,
    private readonly maxLength = DEFAULT_MAX_STREAM_LENGTH,
  ) {
    if (!(maxLength >= 1)) throw new RangeError('maxLength must be at least 1');
    redis.defineCommand('busSend', scripts.busSend);
    this.#redis = redis as AppendingRedis;
  }

  async append(entry: LoggedEntry): Promise<void> {
    const id = await this.#redis.busSend(this.names.stream, this.maxLength, ...encodeEntry(entry));
    if (id === null) throw new MessageLogFullError(`${this.names.stream} holds ${this.maxLength} entries not yet in PostgreSQL (are the persisters running?); try again shortly`);
  }

  async close(): Promise<void> {}
}
