import type { Bus } from '../../../kit/bus/bus.ts';
import { type LoadResult, runOpen } from '../../../kit/loadgen/index.ts';
import { SALES_REQUESTS_QUEUE } from '../domain/protocol.ts';
import { randomSalesRequest } from '../domain/random-request.ts';
import type { SalesResponse } from '../domain/sales-query.ts';

export interface SalesBenchOptions {
  bus: Bus;
  /** Requests per second, arriving at a constant rate (the seed: 400). */
  rate: number;
  durationMs: number;
  /** Requests in flight at once, like the seed's pool of channels (15); the rest wait their turn. */
  concurrency: number;
  /** A request with no answer by then fails. */
  timeoutMs: number;
  progress?: boolean;
  name?: string;
}

export interface SalesBenchResult {
  load: LoadResult;
  /** Answers per worker, from the replies' region_processed. */
  perWorker: Record<string, number>;
  /** Error replies by reason. */
  errorReplies: number;
}

/** The seed's mom-client on the kit's load generator. Latency includes any wait for a free slot. */
export async function runSalesBench(options: SalesBenchOptions): Promise<SalesBenchResult> {
  const { bus, timeoutMs } = options;
  const perWorker: Record<string, number> = {};
  let errorReplies = 0;
  const slots = new Slots(options.concurrency);
  const load = await runOpen({
    name: options.name ?? `sales on ${bus.kind} @ ${options.rate}/s`,
    rate: options.rate,
    durationMs: options.durationMs,
    timeoutMs,
    progress: options.progress,
    task: async () => {
      await slots.take();
      try {
        const reply = await bus.request<SalesResponse>(SALES_REQUESTS_QUEUE, randomSalesRequest(Math.random, Date.now()), { timeoutMs });
        perWorker[reply.region_processed] = (perWorker[reply.region_processed] ?? 0) + 1;
      } catch (err) {
        if ((err as Error).name === 'RemoteError') errorReplies++;
        throw err;
      } finally {
        slots.give();
      }
    },
  });
  return { load, perWorker, errorReplies };
}

/** A counting semaphore: at most `size` holders; the others queue in arrival order. */
class Slots {
  #free: number;
  readonly #queue: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  take(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  give(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#free++;
  }
}
