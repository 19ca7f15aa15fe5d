import { loadavg } from 'node:os';
import type { LoadResult } from '../../../kit/loadgen/index.ts';
import { watchHostSteal } from '../../../kit/observe/host-steal.ts';
import { runIngest } from './ingest-load.ts';

/** One API under load: its origin, and a wait until what the last run left behind (its outbox) is done. */
export interface BenchTarget {
  /** Short, for JSON: relay, no-relay, given. */
  variant: string;
  /** For people: "relay in the API". */
  label: string;
  url: string;
  settle(): Promise<void>;
}

export interface FleetBenchOptions {
  targets: BenchTarget[];
  rates: number[];
  /** Each pair runs every target once, in turn; the order flips from one pair to the next. */
  pairs: number;
  durationMs: number;
  warmupMs: number;
  timeoutMs: number;
  progress: boolean;
  log: (line: string) => void;
}

export interface IngestRun {
  rate: number;
  variant: string;
  label: string;
  pair: number;
  /** CPU seconds the host took from this machine during the measured part; null off Linux. */
  hostStealSeconds: number | null;
  /** The machine's one-minute load average as the run ended: what else wanted its cores meanwhile. */
  loadAverage: number;
  result: LoadResult;
}

export interface IngestSummary {
  rate: number;
  variant: string;
  label: string;
  runs: number;
  /** Medians over the pairs, in ms. */
  p50: number;
  p99: number;
  p99s: number[];
  hostStealSeconds: Array<number | null>;
  loadAverages: number[];
  failed: number;
}

/** What `fleet bench` measured. The create → dispatch latency joins `ingest` as a section of its own. */
export interface FleetBenchReport {
  ingest: { runs: IngestRun[]; medians: IngestSummary[] };
}

/**
 * The ingest latency (POST /api/v1/orders, answered once the order and its outbox row are committed) at each
 * rate, on each target, in alternating pairs: on this shared machine only figures taken side by side, under the
 * same neighbours, compare. Before each run the targets' outboxes are left to drain, and a warm-up at the same rate
 * goes unmeasured.
 */
export async function runFleetBench(options: FleetBenchOptions): Promise<FleetBenchReport> {
  const runs: IngestRun[] = [];
  for (const rate of options.rates) {
    for (let pair = 1; pair <= options.pairs; pair++) {
      const order = pair % 2 === 1 ? options.targets : [...options.targets].reverse();
      for (const target of order) {
        await target.settle();
        if (options.warmupMs > 0) await runIngest({ baseUrl: target.url, rate, durationMs: options.warmupMs, timeoutMs: options.timeoutMs, name: 'warm-up', progress: false });
        await target.settle();
        const name = `ingest ${rate}/s · ${target.label}${options.pairs > 1 ? ` · pair ${pair}` : ''}`;
        const steal = watchHostSteal();
        const result = await runIngest({ baseUrl: target.url, rate, durationMs: options.durationMs, timeoutMs: options.timeoutMs, name, progress: options.progress });
        const hostStealSeconds = steal.stop() ?? null;
        const loadAverage = Math.round(loadavg()[0]! * 100) / 100;
        runs.push({ rate, variant: target.variant, label: target.label, pair, hostStealSeconds, loadAverage, result });
        options.log(`${name}: p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.failed} failed, host steal ${hostStealSeconds ?? '—'} s, load average ${loadAverage}`);
      }
    }
  }
  return { ingest: { runs, medians: summarize(runs) } };
}

function summarize(runs: IngestRun[]): IngestSummary[] {
  const groups = new Map<string, IngestRun[]>();
  for (const run of runs) {
    const key = `${run.rate} ${run.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => ({
    rate: group[0]!.rate,
    variant: group[0]!.variant,
    label: group[0]!.label,
    runs: group.length,
    p50: median(group.map((run) => run.result.p50)),
    p99: median(group.map((run) => run.result.p99)),
    p99s: group.map((run) => run.result.p99),
    hostStealSeconds: group.map((run) => run.hostStealSeconds),
    loadAverages: group.map((run) => run.loadAverage),
    failed: group.reduce((sum, run) => sum + run.result.failed, 0),
  }));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : Math.round(((sorted[middle - 1]! + sorted[middle]!) / 2) * 1_000) / 1_000;
}
