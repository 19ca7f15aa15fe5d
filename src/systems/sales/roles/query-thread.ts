import { parentPort, workerData } from 'node:worker_threads';
import { SalesReader } from '../store/sales-reader.ts';
import type { QueryCall, QueryOutcome } from './thread-query-executor.ts';

// A worker thread's side of ThreadQueryExecutor: its own read-only connection, batches of queries in order.
const { dbPath } = workerData as { dbPath: string };
const port = parentPort!;
try {
  const reader = SalesReader.open(dbPath);
  const run = (call: QueryCall): QueryOutcome => {
    try {
      return { id: call.id, totals: reader.query(call.query) };
    } catch (err) {
      return { id: call.id, error: err instanceof Error ? err.message : String(err) };
    }
  };
  port.on('message', (calls: QueryCall[]) => port.postMessage(calls.map(run)));
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) });
}
