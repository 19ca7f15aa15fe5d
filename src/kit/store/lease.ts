import type { Redis } from 'ioredis';

/** Who may do a job that only one process of a deployment should do at a time (polling a rate-limited API, say). */
export interface Lease {
  /** Takes or renews the lease; true while this process holds it. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

/** The only process there is holds it: embedded mode. */
export class LocalLease implements Lease {
  async acquire(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}
}

const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A lease in Redis: the key holds the owner's id and expires after `ttlMs`, so a crashed holder is replaced
 * once it lapses. The holder renews it by acquiring again before then.
 */
export class RedisLease implements Lease {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  async acquire(): Promise<boolean> {
    return (await this.redis.eval(ACQUIRE, 1, this.key, this.owner, String(this.ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.owner);
  }
}
