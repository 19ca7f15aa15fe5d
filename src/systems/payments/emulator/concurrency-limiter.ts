import { LinkedList, type ListNode } from '../../../kit/bus/linked-list.ts';

/** A caller parked in a limiter's queue; hand it back to cancel() when its client goes away. */
export type Waiting = ListNode<() => void>;

/** What a limiter did with a caller: ran it now, parked it (the Waiting), or turned it away. */
export type Admission = 'started' | 'refused' | Waiting;

/**
 * ASP.NET's ConcurrencyLimiter as the processor configures it (800 permits, a queue of 500, oldest first):
 * up to maxActive callers at once, then up to maxQueued waiting, then refusals. Callers are callbacks so that
 * the common case, a free permit, allocates nothing.
 */
export class ConcurrencyLimiter {
  #active = 0;
  readonly #queue = new LinkedList<() => void>();

  constructor(
    readonly maxActive: number,
    readonly maxQueued: number,
  ) {}

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.size;
  }

  /** Takes a permit when one is free and nobody waits (oldest first, as in .NET); the caller must leave() once. */
  tryAcquire(): boolean {
    if (this.#active >= this.maxActive || this.#queue.size > 0) return false;
    this.#active++;
    return true;
  }

  /** Runs `start` now, or when a permit frees up; each started caller must call leave() exactly once. */
  enter(start: () => void): Admission {
    if (this.tryAcquire()) {
      start();
      return 'started';
    }
    if (this.#queue.size >= this.maxQueued) return 'refused';
    return this.#queue.push(start);
  }

  /** Gives the permit back and starts the oldest waiting caller, if any. */
  leave(): void {
    this.#active--;
    const next = this.#queue.first();
    if (next === undefined || this.#active >= this.maxActive) return;
    this.#queue.remove(next);
    this.#active++;
    next.value();
  }

  /** Drops a caller that is still waiting (ASP.NET drops a queued request whose client aborted); false once it started. */
  cancel(waiting: Waiting): boolean {
    return this.#queue.remove(waiting);
  }

  /** Forgets every waiting caller, for shutdown. */
  clear(): void {
    this.#queue.clear();
  }
}
