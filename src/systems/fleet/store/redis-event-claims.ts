import { Redis } from 'ioredis';
import { CLAIM_PREFIX, CLAIM_TTL_SECONDS, type ClaimState, type EventClaims } from './event-claims.ts';

export interface RedisClaimsOptions {
  prefix?: string;
  ttlSeconds?: number;
  /** A command unanswered this long fails (and the event is retried, not handled). */
  commandTimeoutMs?: number;
}

/**
 * Claims as Redis keys. The connection queues nothing while Redis is away: a command then fails at once rather
 * than waiting for a reconnection, which is what failing closed needs; it reconnects by itself.
 */
export class RedisEventClaims implements EventClaims {
  readonly #prefix: string;
  readonly #ttl: number;

  constructor(
    readonly redis: Redis,
    options: RedisClaimsOptions = {},
  ) {
    this.#prefix = options.prefix ?? CLAIM_PREFIX;
    this.#ttl = options.ttlSeconds ?? CLAIM_TTL_SECONDS;
  }

  /** Connects to `url` in the background; until Redis answers, claims fail (closed). */
  static connect(url: string, options: RedisClaimsOptions = {}): RedisEventClaims {
    const redis = new Redis(url, {
      lazyConnect: true,
      connectionName: 'fleet-claims',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 1_000,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    });
    redis.on('error', () => {
      // Reconnection is automatic; each claim made meanwhile fails where it is made.
    });
    redis.connect().catch(() => {});
    return new RedisEventClaims(redis, options);
  }

  /** Resolves once Redis answers, or rejects after `timeoutMs`: a worker's start-up check. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (this.redis.status === 'ready') return void (await this.redis.ping());
      } catch {
        // not yet
      }
      if (Date.now() > deadline) throw new Error(`Redis did not answer within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async claim(eventId: string): Promise<ClaimState> {
    // SET … NX GET (Redis 7): sets the key only if it is absent, and answers what it held, in one round trip.
    const held = await this.redis.set(this.#prefix + eventId, 'processing', 'EX', this.#ttl, 'NX', 'GET');
    if (held === null) return 'claimed';
    return held === 'done' ? 'done' : 'processing';
  }

  async finish(eventId: string): Promise<void> {
    await this.redis.set(this.#prefix + eventId, 'done', 'EX', this.#ttl);
  }

  async release(eventId: string): Promise<void> {
    await this.redis.del(this.#prefix + eventId);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
