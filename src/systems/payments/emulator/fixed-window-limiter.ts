import { performance } from 'node:perf_hooks';
import { LinkedList } from '../../../kit/bus/linked-list.ts';
import type { Admission, Waiting } from './concurrency-limiter.ts';

/**
 * .NET's FixedWindowRateLimiter as the processor configures it for GET /payments/service-health: `permits`
 * per window (1), windows back to back from the first call, and a queue of `queueLimit` callers (2), oldest
 * first, each let through by a later window's permit. So a caller past the limit may be held for up to
 * two windows instead of being refused.
 */
export class FixedWindowLimiter {
  #windowEnd = Number.NaN;
  #permits = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #queue = new LinkedList<() => void>();

  constructor(
    readonly windowMs: number,
    readonly permitLimit = 1,
    readonly queueLimit = 2,
  ) {}

  get queued(): number {
    return this.#queue.size;
  }

  /** Runs `start` now, or in a later window; 'refused' when this window's permits and the queue are taken. */
  enter(start: () => void): Admission {
    this.#roll(performance.now());
    if (this.#permits > 0 && this.#queue.size === 0) {
      this.#permits--;
      start();
      return 'started';
    }
    if (this.#queue.size >= this.queueLimit) return 'refused';
    const waiting = this.#queue.push(start);
    this.#timer ??= setTimeout(this.#tick, this.#windowEnd - performance.now());
    return waiting;
  }

  /** Drops a caller still waiting for a window; false once it was let through. */
  cancel(waiting: Waiting): boolean {
    return this.#queue.remove(waiting);
  }

  /** Forgets waiting callers and stops the window timer, for shutdown. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.clear();
  }

  #roll(now: number): void {
    if (Number.isNaN(this.#windowEnd)) {
      this.#windowEnd = now + this.windowMs;
      this.#permits = this.permitLimit;
    } else if (now >= this.#windowEnd) {
      this.#windowEnd += (Math.floor((now - this.#windowEnd) / this.windowMs) + 1) * this.windowMs;
      this.#permits = this.permitLimit;
    }
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    // A timer may fire a hair before the window's end as performance.now() sees it; it is the end all the same.
    this.#roll(Math.max(performance.now(), this.#windowEnd));
    while (this.#permits > 0) {
      const next = this.#queue.first();
      if (next === undefined) break;
      this.#queue.remove(next);
      this.#permits--;
      next.value();
    }
    if (this.#queue.size > 0) this.#timer = setTimeout(this.#tick, this.#windowEnd - performance.now());
  };
}
