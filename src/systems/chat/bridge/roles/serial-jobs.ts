import { BoundedQueue } from '../../../../kit/resilience/bounded-queue.ts';

/**
 * Jobs run one at a time in the order given, so what one sender said arrives in that order; at most `capacity`
 * wait, and a job given past that is refused (the caller counts it as dropped). A job's failure goes to `failed`
 * and the next one runs.
 */
export class SerialJobs {
  readonly #queue: BoundedQueue<() => Promise<void>>;
  readonly #failed: (err: unknown) => void;
  #running: Promise<void> | undefined;

  constructor(capacity: number, failed: (err: unknown) => void) {
    this.#queue = new BoundedQueue(capacity);
    this.#failed = failed;
  }

  push(job: () => Promise<void>): boolean {
    if (!this.#queue.push(job)) return false;
    this.#running ??= this.#drain();
    return true;
  }

  /** Resolves once every job given so far has run. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    for (let job = this.#queue.shift(); job; job = this.#queue.shift()) {
      try {
        await job();
      } catch (err) {
        this.#failed(err);
      }
    }
    this.#running = undefined;
  }
}
