import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The thread's code, plain CommonJS so it needs no TypeScript loader (and little memory). */
const CHECKPOINTER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface SqliteCheckpointer {
  stop(): Promise<void>;
}

/**
 * Moves a WAL database's checkpoints to a thread of their own. A checkpoint syncs the disk twice, which took
 * 10–30 ms here: run by SQLite inside whichever commit crossed the WAL threshold, it stalled the event loop of
 * the writer. The writer's connection must have `wal_autocheckpoint = 0`; a PASSIVE checkpoint never blocks it.
 */
export function startSqliteCheckpointer(path: string, intervalMs = 1_000): SqliteCheckpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(CHECKPOINTER, { eval: true, workerData: { module, path, intervalMs } });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', () => {}); // the writer's own autocheckpoint-free WAL just grows; it is checkpointed on close
  return {
    async stop() {
      worker.postMessage('stop');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      await worker.terminate();
    },
  };
}
