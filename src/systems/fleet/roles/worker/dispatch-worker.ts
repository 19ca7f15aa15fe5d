import type { Bus } from '../../../../kit/bus/bus.ts';
import type { Subscription } from '../../../../kit/bus/transport.ts';
import { createLogger } from '../../../../kit/observe/log.ts';
import { ORDER_CREATED } from '../../domain/order-created.ts';
import type { DispatchStore } from '../../store/dispatch-store.ts';
import type { EventClaims } from '../../store/event-claims.ts';
import type { DriverFinder } from '../driver-finder.ts';
import { type BreakerSettings, type BreakerState, GuardedFinder, SEED_BREAKER } from '../fleet-breaker.ts';
import { dispatchNearest } from './dispatch-nearest.ts';
import { deduplicate } from './deduplicate.ts';
import { type BackoffSettings, SEED_BACKOFF, jitteredRetryPolicy } from './full-jitter.ts';
import { fallBackToManual } from './manual-fallback.ts';
import { readOrderEvent } from './order-event.ts';
import { type DispatchResult, type OrderHandler, compose } from './order-pipeline.ts';
import { countResults, trackBreaker } from './worker-metrics.ts';

const log = createLogger('fleet:worker');

export interface DispatchWorkerOptions {
  bus: Bus;
  /** The queue of OrderCreated events (default orders.created). */
  queue?: string;
  /** Deliveries handled at once (default 10, the reference's prefetch). */
  prefetch?: number;
  claims: EventClaims;
  /** The search, unguarded: the worker puts its breaker and call timeout around it. */
  finder: DriverFinder;
  store: DispatchStore;
  breaker?: Partial<BreakerSettings>;
  backoff?: Partial<BackoffSettings>;
  /** Told of every handled event, after it is counted: for logs and tests. */
  onResult?: (result: DispatchResult, eventId: string) => void;
  /** Told when the breaker opens, goes half-open or closes (besides the log line). */
  onBreakerChange?: (state: BreakerState) => void;
}

/**
 * The dispatch worker: consumes OrderCreated events and, for each, outermost first:
 * the Bus's retries with full-jitter back-off (then the dead-letter queue), the result counters, the Redis guard,
 * the manual-dispatch fallback, the breaker around the search, the search, and the store's conditional write
 * with its inbox. The same composition runs as a process (`mensageiro fleet worker`) or inside another one with a
 * memory bus, an in-memory index and any DispatchStore.
 */
export class DispatchWorker {
  readonly #finder: GuardedFinder;
  #subscription: Subscription | undefined;
  #untrack: () => void;

  private constructor(finder: GuardedFinder) {
    this.#finder = finder;
    this.#untrack = trackBreaker(() => finder.state);
  }

  static async start(options: DispatchWorkerOptions): Promise<DispatchWorker> {
    const settings = { ...SEED_BREAKER, ...options.breaker };
    const finder = new GuardedFinder(options.finder, settings, (state) => {
      log.info(`the fleet service breaker is ${state}`);
      options.onBreakerChange?.(state);
    });
    const worker = new DispatchWorker(finder);
    const retry = jitteredRetryPolicy({ ...SEED_BACKOFF, ...options.backoff });
    const handle: OrderHandler = compose([countResults(), deduplicate(options.claims), fallBackToManual(options.store)], dispatchNearest(finder, options.store));
    const queue = options.queue ?? ORDER_CREATED.routingKey;
    worker.#subscription = await options.bus.consume(
      queue,
      async (message) => {
        const event = readOrderEvent(message, retry.maxAttempts);
        const result = await handle(event);
        log.debug('event handled', { eventId: event.eventId, orderId: event.orderId, ...result });
        options.onResult?.(result, event.eventId);
      },
      { prefetch: options.prefetch ?? 10, ...retry },
    );
    return worker;
  }

  get breakerState(): BreakerState {
    return this.#finder.state;
  }

  /** Stops taking events; the bus, the claims, the finder and the store are the caller's to close. */
  async close(): Promise<void> {
    await this.#subscription?.cancel();
    this.#untrack();
  }
}
