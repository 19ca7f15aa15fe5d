import type { Redis } from 'ioredis';
import { PROCESSORS, type ProcessorName } from '../domain/processors.ts';

/**
 * The processor each payment in hand was last sent to, kept where the dispatcher that takes a payment over after
 * a crash finds it. That processor may hold the payment, or store it yet (it finishes its delay after its caller
 * dies), so the successor asks it first and sends the payment to no other: sent elsewhere it would be charged twice.
 */
export interface SendJournal {
  /** Resolves once written; a dispatcher awaits it before the payment leaves. */
  sending(correlationId: string, processor: ProcessorName): Promise<void>;
  /** Where it was last sent, or undefined when it never left a dispatcher. */
  lastSentTo(correlationId: string): Promise<ProcessorName | undefined>;
  /** Recorded in the ledger: nobody needs to know any more. */
  forget(correlationId: string): Promise<void>;
  clear(): Promise<void>;
}

/** One Redis hash, correlationId → processor, as big as the payments in flight. */
export class RedisSendJournal implements SendJournal {
  constructor(
    private readonly redis: Redis,
    private readonly key = 'payments:sending',
  ) {}

  async sending(correlationId: string, processor: ProcessorName): Promise<void> {
    await this.redis.hset(this.key, correlationId, processor);
  }

  async lastSentTo(correlationId: string): Promise<ProcessorName | undefined> {
    const value = await this.redis.hget(this.key, correlationId);
    return PROCESSORS.find((name) => name === value);
  }

  async forget(correlationId: string): Promise<void> {
    await this.redis.hdel(this.key, correlationId);
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key);
  }
}
