import type { SalesQuery, SalesTotals } from '../domain/sales-query.ts';
import { SalesReader } from '../store/sales-reader.ts';

/** Where a worker's SQL runs: on its own thread of control, or on a worker thread of its own. */
export interface QueryExecutor {
  run(query: SalesQuery): Promise<SalesTotals>;
  close(): Promise<void>;
}

/** Runs queries on this thread: a worker process has nothing else to do. */
export class InlineQueryExecutor implements QueryExecutor {
  readonly #reader: SalesReader;

  constructor(dbPath: string) {
    this.#reader = SalesReader.open(dbPath);
  }

  run(query: SalesQuery): Promise<SalesTotals> {
    return Promise.resolve(this.#reader.query(query));
  }

  close(): Promise<void> {
    this.#reader.close();
    return Promise.resolve();
  }
}
