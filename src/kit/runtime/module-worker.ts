import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a module of this package, given as a URL relative to the caller (with its `.ts`
 * name). Run from source, the thread needs tsx to load TypeScript, since loader hooks are not inherited by
 * worker threads; run from a build, the `.js` sibling is used.
 */
export function startModuleWorker(tsUrl: URL, workerData: unknown): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = fromSource ? tsUrl : new URL(tsUrl.href.replace(/\.ts$/, '.js'));
  return new Worker(url, { workerData, execArgv: fromSource ? ['--import', 'tsx'] : [] });
}
