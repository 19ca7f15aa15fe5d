import type { Logger } from '../../../kit/observe/log.ts';
import type { OutboxEvent, OutboxStore, RetryPolicy } from '../store/outbox-store.ts';
import { outboxLagSeconds, outboxPublishFailures, outboxPublished } from './fleet-metrics.ts';
import type { OutboxPublisher } from './outbox-publisher.ts';

export interface RelayOptions {
  /** Rows claimed at once (100). */
  batchSize: number;
  /** The poll when no NOTIFY comes (100 ms): the fallback that catches what a dropped LISTEN missed. */
  pollMs: number;
  retry: RetryPolicy;
  /** The janitor: how often it runs (5 min), when a PROCESSING row counts as stuck (5 min), and how long finished rows stay (7 days). */
  janitorEveryMs: number;
  stuckAfterMs: number;
  retainMs: number;
}

export const DEFAULT_RELAY_OPTIONS: RelayOptions = {
  batchSize: 100,
  pollMs: 100,
  retry: { maxAttempts: 10, baseMs: 1_000, capMs: 60_000 },
  janitorEveryMs: 5 * 60_000,
  stuckAfterMs: 5 * 60_000,
  retainMs: 7 * 24 * 3_600_000,
};

/** The wait before trying an unreachable broker again doubles up to this. */
const MAX_RECONNECT_MS = 5_000;

export interface RelayStats {
  published: number;
  retried: number;
  failed: number;
  /** Why the broker or the database cannot be used now; undefined when both can. */
  problem: string | undefined;
}

/**
 * The transactional outbox's relay: claims up to batchSize PENDING rows (SKIP LOCKED, marked PROCESSING), publishes
 * them in parallel, each confirmed by the broker, and marks them PUBLISHED. It wakes on the insert trigger's
 * NOTIFY, and every pollMs regardless.
 *
 * A publish that fails puts its row back to PENDING with retry_count + 1, due after a doubling back-off, and FAILED
 * once it has had maxAttempts. While the broker cannot be reached nothing is claimed at all, so an outage costs each
 * row at most the one attempt that was in flight when it began; rows wait as PENDING and go once it is back. A relay
 * killed holding a batch leaves its rows PROCESSING, and the janitor (in every relay) puts them back after
 * stuckAfterMs: delivery is at least once, and the worker's inbox makes the duplicates harmless.
 */
export class OutboxRelay {
  readonly #options: RelayOptions;
  readonly #stats: RelayStats = { published: 0, retried: 0, failed: 0, problem: undefined };
  #running: Promise<void> | undefined;
  #stopping = false;
  /** Set by a NOTIFY, cleared as a claim starts. */
  #notified = false;
  #wake: (() => void) | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #janitor: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: OutboxPublisher,
    private readonly log: Logger,
    options: Partial<RelayOptions> = {},
  ) {
    this.#options = { ...DEFAULT_RELAY_OPTIONS, ...options };
  }

  async start(): Promise<void> {
    try {
      this.#unlisten = await this.store.onInsert(() => this.#notify());
    } catch (err) {
      this.log.warn('cannot LISTEN for new outbox rows; polling alone', { err });
    }
    this.#janitor = setInterval(() => void this.runJanitor(), this.#options.janitorEveryMs);
    this.#running = this.#loop();
  }

  /** Stops claiming, lets the batch in flight finish, stops listening. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#janitor);
    this.#wake?.();
    await this.#running;
    await this.#unlisten?.().catch(() => {});
  }

  stats(): RelayStats {
    return { ...this.#stats };
  }

  /** Rows stuck in PROCESSING back to PENDING, old finished rows deleted. */
  async runJanitor(): Promise<void> {
    try {
      const reset = await this.store.resetStuck(this.#options.stuckAfterMs);
      const deleted = await this.store.deleteOld(this.#options.retainMs);
      if (reset > 0) this.log.warn('outbox rows were stuck in PROCESSING (a relay died holding them); back to PENDING', { reset });
      if (deleted > 0) this.log.info('old outbox rows deleted', { deleted });
    } catch (err) {
      this.log.warn('the outbox janitor could not run; it tries again at its next turn', { err });
    }
  }

  async #loop(): Promise<void> {
    let reconnectMs = this.#options.pollMs;
    while (!this.#stopping) {
      try {
        await this.publisher.connect();
      } catch (err) {
        this.#trouble(`the broker cannot be reached: ${(err as Error).message}`);
        await this.#sleep(reconnectMs);
        reconnectMs = Math.min(reconnectMs * 2, MAX_RECONNECT_MS);
        continue;
      }
      reconnectMs = this.#options.pollMs;
      let claimed: number;
      try {
        claimed = await this.#relayBatch();
      } catch (err) {
        this.#trouble(`the outbox cannot be read or written: ${(err as Error).message}`);
        await this.#sleep(this.#options.pollMs);
        continue;
      }
      if (this.#stats.problem !== undefined) {
        this.log.info('the outbox relay is publishing again');
        this.#stats.problem = undefined;
      }
      if (claimed < this.#options.batchSize) await this.#sleep(this.#options.pollMs, true);
    }
  }

  async #relayBatch(): Promise<number> {
    // A NOTIFY from now on is for rows this claim may not see: it wakes the next wait.
    this.#notified = false;
    const events = await this.store.claim(this.#options.batchSize);
    if (events.length === 0) return 0;
    const outcomes = await Promise.allSettled(events.map((event) => this.publisher.publish(event)));
    const published: OutboxEvent[] = [];
    for (let i = 0; i < events.length; i++) {
      const outcome = outcomes[i]!;
      const event = events[i]!;
      if (outcome.status === 'fulfilled') {
        published.push(event);
        continue;
      }
      const error = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      const status = await this.store.markFailed(event.id, error, this.#options.retry);
      if (status === 'FAILED') {
        this.#stats.failed++;
        outboxPublishFailures.labels('failed').inc();
        this.log.error('an outbox event was given up after its last attempt', { id: event.id, aggregateId: event.aggregateId, error });
      } else {
        this.#stats.retried++;
        outboxPublishFailures.labels('retry').inc();
      }
    }
    await this.store.markPublished(published.map((event) => event.id));
    const now = Date.now();
    for (const event of published) outboxLagSeconds.observe((now - event.createdAt.getTime()) / 1_000);
    this.#stats.published += published.length;
    outboxPublished.inc(published.length);
    return events.length;
  }

  /** Logged once per outage, not on every retry. */
  #trouble(problem: string): void {
    if (this.#stats.problem === undefined) this.log.warn(`${problem}; outbox rows stay PENDING until it can be`);
    this.#stats.problem = problem;
  }

  #notify(): void {
    this.#notified = true;
    this.#wake?.();
  }

  /** Waits `ms`, or less when stopped or, with `wakeOnNotify`, when a NOTIFY came since the last claim. */
  #sleep(ms: number, wakeOnNotify = false): Promise<void> {
    if (this.#stopping || (wakeOnNotify && this.#notified)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = () => {
        if (wakeOnNotify || this.#stopping) done();
      };
    });
  }
}
