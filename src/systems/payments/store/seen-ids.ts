import type { Redis } from 'ioredis';

/**
 * The correlationIds the deployment has accepted, for the 409 on a repeat. Shared by every instance and kept
 * outside them where there is more than one, so neither the load balancer's choice of instance nor an
 * instance's restart lets a repeat through. Ids come in lower case.
 */
export interface SeenIds {
  /** True when the id is new (and now seen), false when it was seen before; atomic across instances. */
  add(correlationId: string): Promise<boolean>;
  /** Undoes an add whose payment was not accepted after all (503), so its retry is not refused. */
  remove(correlationId: string): Promise<void>;
  clear(): Promise<void>;
}

/** One process on its own (the memory store): its ledger does not outlive it either. */
export class MemorySeenIds implements SeenIds {
  readonly #ids = new Set<string>();

  async add(correlationId: string): Promise<boolean> {
    if (this.#ids.has(correlationId)) return false;
    this.#ids.add(correlationId);
    return true;
  }

  async remove(correlationId: string): Promise<void> {
    this.#ids.delete(correlationId);
  }

  async clear(): Promise<void> {
    this.#ids.clear();
  }
}

/** A Redis set: SADD answers whether the id is new, in the same round trip that records it. */
export class RedisSeenIds implements SeenIds {
  constructor(
    private readonly redis: Redis,
    private readonly key = 'payments:seen-ids',
  ) {}

  async add(correlationId: string): Promise<boolean> {
    return (await this.redis.sadd(this.key, correlationId)) === 1;
  }

  async remove(correlationId: string): Promise<void> {
    await this.redis.srem(this.key, correlationId);
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key);
  }
}
