import { type LoadResultJson, toJson } from '../../../kit/loadgen/index.ts';
import type { FleetBenchReport } from './fleet-bench.ts';

const ms = (value: number) => value.toFixed(2);
const steal = (value: number | null) => (value === null ? '—' : value.toFixed(2));

/** The medians of each rate and target, then each pair's p99 with the host's steal beside it. */
export function formatFleetBench(report: FleetBenchReport, target: { p99Ms: number; rate: number }): string {
  const lines = ['ingest: POST /api/v1/orders, answered once the order and its outbox row are committed (medians over the pairs)', ''];
  const header = ['rate', 'API', 'runs', 'p50 ms', 'p99 ms', 'each p99 ms', 'host steal s', 'load avg', 'failed'];
  const rows = report.ingest.medians.map((m) => [
    `${m.rate}/s`, m.label, String(m.runs), ms(m.p50), ms(m.p99), m.p99s.map(ms).join(', '), m.hostStealSeconds.map(steal).join(', '), m.loadAverages.map((l) => l.toFixed(1)).join(', '), String(m.failed),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) lines.push(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  const atTarget = report.ingest.medians.filter((m) => m.rate === target.rate);
  for (const m of atTarget) {
    lines.push('', `target at ${target.rate}/s, ${m.label}: p99 < ${target.p99Ms} ms: ${m.p99 < target.p99Ms ? 'met' : 'missed'} (median ${ms(m.p99)} ms)`);
  }
  return `${lines.join('\n')}\n`;
}

export interface FleetBenchJson {
  /** Every measured run, in the kit's shape (the `--json` schema of every bench). */
  results: LoadResultJson[];
  ingest: {
    runs: Array<{ rate: number; variant: string; pair: number; hostStealSeconds: number | null; loadAverage: number; name: string }>;
    medians: FleetBenchReport['ingest']['medians'];
  };
}

export function fleetBenchJson(report: FleetBenchReport): FleetBenchJson {
  return {
    results: report.ingest.runs.map((run) => toJson(run.result)),
    ingest: {
      runs: report.ingest.runs.map(({ rate, variant, pair, hostStealSeconds, loadAverage, result }) => ({ rate, variant, pair, hostStealSeconds, loadAverage, name: result.name })),
      medians: report.ingest.medians,
    },
  };
}
