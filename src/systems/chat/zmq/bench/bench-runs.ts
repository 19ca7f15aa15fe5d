import type { ScenarioName } from './bench-options.ts';
import { type BenchReport, formatMeasured, grid, targetsOf } from './bench-report.ts';
import type { TargetResult } from './bench-targets.ts';

/** One whole run's headline figures, and what the host stole in each scenario (seconds). */
export interface RunRow {
  run: number;
  reads?: number;
  writes?: number;
  deliveryP50?: number;
  deliveryP99?: number;
  lost?: number;
  steal: Partial<Record<ScenarioName, number | null>>;
}

export type RunFigure = 'reads' | 'writes' | 'deliveryP50' | 'deliveryP99' | 'lost';
const FIGURES: RunFigure[] = ['reads', 'writes', 'deliveryP50', 'deliveryP99', 'lost'];

/** A target over every run: how many met it, and its median figure. */
export interface TargetOverRuns {
  scenario: ScenarioName;
  target: string;
  goal: string;
  unit: TargetResult['unit'];
  met: number;
  of: number;
  median: number | null;
}

export interface RunsSummary {
  rows: RunRow[];
  median: Partial<Record<RunFigure, number>>;
  targets: TargetOverRuns[];
}

/**
 * Several runs of the same bench side by side. On a shared machine one run's tail can be the host's doing; the
 * number of runs that met a target says more than any single run, and every run stays in view.
 */
export function summarizeRuns(reports: BenchReport[]): RunsSummary {
  const rows = reports.map((report, i) => rowOf(report, i + 1));
  const median: RunsSummary['median'] = {};
  for (const figure of FIGURES) {
    const values = rows.map((row) => row[figure]).filter((v) => v !== undefined);
    if (values.length > 0) median[figure] = medianOf(values);
  }
  const byTarget = new Map<string, TargetResult[]>();
  for (const report of reports) {
    for (const target of targetsOf(report)) {
      const key = `${target.scenario}\u0000${target.target}`;
      const results = byTarget.get(key);
      if (results) results.push(target);
      else byTarget.set(key, [target]);
    }
  }
  const targets = [...byTarget.values()].map((results): TargetOverRuns => {
    const { scenario, target, goal, unit } = results[0]!;
    const measured = results.map((r) => r.measured).filter((m) => m !== null);
    return { scenario, target, goal, unit, met: results.filter((r) => r.pass).length, of: results.length, median: measured.length > 0 ? medianOf(measured) : null };
  });
  return { rows, median, targets };
}

function rowOf(report: BenchReport, run: number): RunRow {
  const row: RunRow = { run, steal: {} };
  for (const s of report.scenarios) {
    row.steal[s.scenario] = s.topology.hostStealSeconds;
    if (s.scenario === 'delivery') {
      row.deliveryP50 = s.delivery.p50;
      row.deliveryP99 = s.delivery.p99;
      row.lost = s.counts.lost;
    } else {
      row[s.scenario] = s.requests.rps;
    }
  }
  return row;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A table of every run, its median row, and each target as "met in k of n runs". */
export function formatRunsSummary(summary: RunsSummary): string {
  const n = (value: number | undefined, digits = 0) => (value === undefined ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const steal = (row: RunRow, scenario: ScenarioName) => (row.steal[scenario] === undefined ? '' : ` (${row.steal[scenario] === null ? '—' : row.steal[scenario]!.toFixed(2)})`);
  const header = ['run', 'reads req/s (steal s)', 'writes req/s (steal s)', 'delivery p50 / p99 ms (steal s)', 'lost'];
  const rows = summary.rows.map((row) => [
    String(row.run),
    `${n(row.reads)}${steal(row, 'reads')}`,
    `${n(row.writes)}${steal(row, 'writes')}`,
    row.deliveryP99 === undefined ? '—' : `${n(row.deliveryP50, 2)} / ${n(row.deliveryP99, 2)}${steal(row, 'delivery')}`,
    n(row.lost),
  ]);
  const m = summary.median;
  rows.push(['median', n(m.reads), n(m.writes), m.deliveryP99 === undefined ? '—' : `${n(m.deliveryP50, 2)} / ${n(m.deliveryP99, 2)}`, n(m.lost)]);
  const out = [`${summary.rows.length} runs, each on a fresh topology:`, ...grid(header, rows), '', 'targets over the runs:'];
  for (const t of summary.targets) out.push(`  ${t.scenario}: ${t.target} ${t.goal}: met in ${t.met} of ${t.of} runs (median ${formatMeasured(t.median, t.unit)})`);
  return `${out.join('\n')}\n`;
}
