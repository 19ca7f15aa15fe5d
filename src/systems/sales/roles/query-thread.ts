import { parentPort, workerData } from 'node:worker_threads';
import { SalesReader } from '../store/sales-reader.ts';
import type { QueryCall, QueryOutcome } from './thread-query-executor.ts';

// A worker thread's side of ThreadQueryExecutor: its own read-only connection, one query at a time.
const { dbPath } = workerData as { dbPath: string };
const port = parentPort!;
try {
  const reader = SalesReader.open(dbPath);
  port.on('message', (call: QueryCall) => {
    let outcome: QueryOutcome;
    try {
      outcome = { id: call.id, totals: reader.query(call.query) };
    } catch (err) {
      outcome = { id: call.id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(outcome);
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) });
}
