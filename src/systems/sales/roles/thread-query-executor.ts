import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../../kit/runtime/module-worker.ts';
import type { SalesQuery, SalesTotals } from '../domain/sales-query.ts';
import type { QueryExecutor } from './query-executor.ts';

export interface QueryCall {
  id: number;
  query: SalesQuery;
}

export type QueryOutcome = { id: number; totals: SalesTotals } | { id: number; error: string };

interface Waiter {
  resolve(totals: SalesTotals): void;
  reject(err: Error): void;
}

/**
 * Runs queries on a worker thread of its own, so an embedded worker's SQL uses another core. Calls made in the
 * same turn of the event loop cross to the thread in one message and come back in one: each postMessage wakes
 * the other thread, and at thousands of queries a second those wake-ups, not the SQL, cost the main thread most.
 */
export class ThreadQueryExecutor implements QueryExecutor {
  readonly #thread: Worker;
  readonly #waiting = new Map<number, Waiter>();
  #batch: QueryCall[] = [];
  #next = 0;
  #failure: Error | undefined;

  private constructor(thread: Worker) {
    this.#thread = thread;
    thread.on('message', (outcomes: QueryOutcome[]) => {
      for (const outcome of outcomes) {
        const waiter = this.#waiting.get(outcome.id);
        if (!waiter) continue;
        this.#waiting.delete(outcome.id);
        if ('totals' in outcome) waiter.resolve(outcome.totals);
        else waiter.reject(new Error(outcome.error));
      }
    });
    thread.on('error', (err) => this.#fail(err));
    thread.on('exit', (code) => this.#fail(new Error(`the query thread exited with code ${code}`)));
  }

  static async start(dbPath: string): Promise<ThreadQueryExecutor> {
    const thread = startModuleWorker(new URL('./query-thread.ts', import.meta.url), { dbPath });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean; failed?: string }) => {
        thread.off('error', reject);
        if (message.ready) resolve();
        else reject(new Error(message.failed ?? 'the query thread failed to start'));
      };
      thread.once('message', onMessage);
      thread.once('error', reject);
    }).catch(async (err: unknown) => {
      await thread.terminate();
      throw err;
    });
    return new ThreadQueryExecutor(thread);
  }

  run(query: SalesQuery): Promise<SalesTotals> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      if (this.#batch.push({ id, query }) === 1) setImmediate(this.#send);
    });
  }

  readonly #send = (): void => {
    const batch = this.#batch;
    this.#batch = [];
    this.#thread.postMessage(batch);
  };

  async close(): Promise<void> {
    this.#failure ??= new Error('the query executor is closed');
    await this.#thread.terminate();
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const waiter of this.#waiting.values()) waiter.reject(this.#failure);
    this.#waiting.clear();
  }
}
