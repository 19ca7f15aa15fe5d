import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a module of this package, given as a URL relative to the caller (with its `.ts`
 * name). Run from source, the thread registers tsx itself before importing the module: loader hooks are not
 * inherited by worker threads, and Node 20 ignores `--import` in a worker's execArgv. Run from a build, the
 * `.js` sibling is used as is.
 */
export function startModuleWorker(tsUrl: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(tsUrl.href.replace(/\.ts$/, '.js')), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(tsUrl.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
