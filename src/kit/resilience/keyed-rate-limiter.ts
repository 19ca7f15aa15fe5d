import { performance } from 'node:perf_hooks';

export interface RateLimit {
  /** Tokens added per second: the sustained rate each key may keep. */
  perSecond: number;
  /** The bucket's size: how many a key may send at once after a quiet spell. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key (a client's IP): `burst` at once, then `perSecond`. Keys are kept in the order they were
 * last used and the least recently used goes once there are `maxKeys`, so a flood of new addresses costs bounded
 * memory; a key dropped that way starts again with a full bucket, which is what a quiet key would have anyway
 * once it waited burst / perSecond.
 */
export class KeyedRateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    readonly limit: RateLimit,
    readonly maxKeys = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new RangeError(`a rate limit needs a rate above 0 and a burst of at least 1, got ${limit.perSecond}/${limit.burst}`);
  }

  /** Takes a token for `key`: 0 when it may go ahead, else the milliseconds until it may. */
  take(key: string): number {
    const now = this.now();
    const { perSecond, burst } = this.limit;
    const bucket = this.#buckets.get(key);
    let tokens = burst;
    if (bucket) {
      this.#buckets.delete(key);
      tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * perSecond) / 1_000);
    } else if (this.#buckets.size >= this.maxKeys) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    const allowed = tokens >= 1;
    this.#buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return allowed ? 0 : Math.ceil(((1 - tokens) * 1_000) / perSecond);
  }

  get keys(): number {
    return this.#buckets.size;
  }
}

/** "10/20" (per second / burst), or "off"; undefined for off. */
export function parseRateLimit(text: string): RateLimit | undefined {
  if (text === 'off') return undefined;
  const match = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(text);
  const limit = match && { perSecond: Number(match[1]), burst: Number(match[2]) };
  if (!limit || !(limit.perSecond > 0) || !(limit.burst >= 1)) throw new RangeError(`"${text}" is not a rate limit: write requests per second and burst as 10/20, or off`);
  return limit;
}
