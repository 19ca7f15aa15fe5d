import type { ErrorCount } from './failures.ts';
import { type LatencyBin, type Percentiles, latencyBins, percentiles } from './histogram.ts';
import type { Recorder } from './recorder.ts';
import type { TimelinePoint } from './timeline.ts';

export type LoadModel = 'open' | 'closed';

/** One run's outcome. Latencies are in milliseconds (three decimals) and cover the ok requests only. */
export interface LoadResult extends Percentiles {
  name: string;
  model: LoadModel;
  /** From the first request to the last outcome, graceful stop included. */
  durationMs: number;
  /** ok + failed: every request the run meant to send, dropped ones included. */
  count: number;
  ok: number;
  failed: number;
  /** ok requests per second over durationMs. */
  rps: number;
  /** The most frequent failures, `name: message`, most frequent first. */
  errors: ErrorCount[];
  timeline: TimelinePoint[];
  /** The ok requests' latencies in log-spaced bins, for reports. */
  histogram: LatencyBin[];
  /** Open model: the target arrival rate per second. */
  rate?: number;
  /** Closed model: the most virtual users at once. */
  vus?: number;
}

export function summarize(
  recorder: Recorder,
  meta: { name: string; model: LoadModel; durationMs: number; rate?: number; vus?: number },
): LoadResult {
  const durationMs = Math.round(meta.durationMs);
  return {
    name: meta.name,
    model: meta.model,
    durationMs,
    count: recorder.count,
    ok: recorder.ok,
    failed: recorder.failed,
    rps: durationMs > 0 ? Math.round((recorder.ok * 10_000) / durationMs) / 10 : 0,
    ...percentiles(recorder.histogram),
    errors: recorder.errors.top(5),
    timeline: recorder.timeline.points(),
    histogram: latencyBins(recorder.histogram),
    ...(meta.rate !== undefined ? { rate: meta.rate } : {}),
    ...(meta.vus !== undefined ? { vus: meta.vus } : {}),
  };
}

export type LoadResultJson = Pick<LoadResult, 'name' | 'model' | 'durationMs' | 'count' | 'ok' | 'failed' | 'rps' | 'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'errors'>;

/** The fields `--json` prints: the end table's columns plus name, model, durationMs and errors. */
export function toJson(result: LoadResult): LoadResultJson {
  const { name, model, durationMs, count, ok, failed, rps, p50, p90, p99, p999, max, errors } = result;
  return { name, model, durationMs, count, ok, failed, rps, p50, p90, p99, p999, max, errors };
}
