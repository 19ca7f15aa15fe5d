import type { Bus } from '../../../kit/bus/bus.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { DEFAULT_WORKERS } from '../domain/protocol.ts';
import { ensureSalesDatabase } from '../store/ensure-database.ts';
import { InlineQueryExecutor, type QueryExecutor } from './query-executor.ts';
import { SalesBalancer } from './sales-balancer.ts';
import { SalesWorker } from './sales-worker.ts';
import { ThreadQueryExecutor } from './thread-query-executor.ts';

export interface EmbeddedSalesOptions {
  bus: Bus;
  dbPath: string;
  log: Logger;
  workers?: readonly string[];
  /** Run each worker's SQL on a worker thread of its own (default), so the process uses more than one core. */
  threads?: boolean;
}

export interface EmbeddedSales {
  balancer: SalesBalancer;
  workers: SalesWorker[];
  stop(): Promise<void>;
}

/** Balancer and workers in this process, on whatever bus it is given: `sales up` and the embedded bench. */
export async function startEmbeddedSales(options: EmbeddedSalesOptions): Promise<EmbeddedSales> {
  const { bus, dbPath, log } = options;
  const ids = options.workers ?? DEFAULT_WORKERS;
  await ensureSalesDatabase(dbPath, (sales, ms) => log.info('seeded a sales database', { dbPath, sales, ms }));
  const executors: QueryExecutor[] = [];
  const workers: SalesWorker[] = [];
  const balancer = new SalesBalancer({ bus, workers: ids, log });
  const stop = async () => {
    await balancer.stop();
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    await Promise.allSettled(executors.map((executor) => executor.close()));
  };
  try {
    for (const id of ids) {
      const executor = options.threads === false ? new InlineQueryExecutor(dbPath) : await ThreadQueryExecutor.start(dbPath);
      executors.push(executor);
      workers.push(new SalesWorker({ bus, id, executor, log }));
    }
    await balancer.start();
    for (const worker of workers) await worker.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { balancer, workers, stop };
}
