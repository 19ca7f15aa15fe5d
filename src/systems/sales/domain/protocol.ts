/** Queue and topic names on the bus, the seed's where it had them. */
export const SALES_REQUESTS_QUEUE = 'sales_requests';
export const HEARTBEAT_TOPIC = 'sales.workers.heartbeat';
export const COMPLETED_TOPIC = 'sales.workers.completed';

export const DEFAULT_WORKERS = ['mom-worker-1', 'mom-worker-2', 'mom-worker-3'] as const;

/** A worker says it is alive every so often; `leaving` says it is stopping on purpose. */
export interface Heartbeat {
  worker: string;
  inFlight: number;
  leaving?: boolean;
}

/** The ids of the requests a worker has finished since its last report. */
export interface Completed {
  worker: string;
  ids: string[];
}

/** Bigger request bodies get an error reply: a query is a few hundred bytes. */
export const MAX_REQUEST_BYTES = 16 * 1024;

/** Worker ids become queue names: keep them plain. */
export const WORKER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
