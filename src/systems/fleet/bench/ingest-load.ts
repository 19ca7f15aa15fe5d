import { randomUUID } from 'node:crypto';
import { HttpConnection } from '../../../kit/loadgen/http-connection.ts';
import { type LoadResult, runOpen } from '../../../kit/loadgen/index.ts';
import { API_PREFIX } from '../roles/fleet-api.ts';

export interface IngestLoad {
  /** The API's origin, as http://127.0.0.1:8000. */
  baseUrl: string;
  rate: number;
  durationMs: number;
  timeoutMs: number;
  name: string;
  progress?: boolean;
}

/**
 * An open-model load on POST /api/v1/orders: `rate` new orders a second whatever the API does, each with an id of
 * its own, latency counted from each request's intended time. Requests go out on keep-alive connections taken
 * from a pool that grows to the most in flight at once. The load generator sleeps on a timer between requests,
 * leaving the cores to the API and PostgreSQL, which share them.
 */
export async function runIngest(load: IngestLoad): Promise<LoadResult> {
  const url = new URL(load.baseUrl);
  const idle: HttpConnection[] = [];
  const all: HttpConnection[] = [];
  const run = randomUUID().slice(0, 8);
  const path = `${API_PREFIX}/orders`;
  try {
    return await runOpen({
      name: load.name,
      rate: load.rate,
      durationMs: load.durationMs,
      timeoutMs: load.timeoutMs,
      progress: load.progress,
      pacing: 'timer',
      task: async ({ iteration }) => {
        let connection = idle.pop();
        if (!connection) {
          connection = new HttpConnection({ host: url.hostname, port: Number(url.port || 80), timeoutMs: load.timeoutMs });
          all.push(connection);
        }
        try {
          const answer = await connection.request('POST', path, `{"id":"bench-${run}-${iteration}","price":"100.00","tax":"10.00"}`);
          if (answer.status !== 201) throw new Error(answer.status === 0 ? `no answer: ${answer.error}` : `HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
        } finally {
          idle.push(connection);
        }
      },
    });
  } finally {
    for (const connection of all) connection.close();
  }
}
