import { type LoadResult, type LoadResultJson, formatTable, toJson } from '../../../../kit/loadgen/index.ts';
import type { BenchOptions } from './bench-options.ts';
import { DELIVERY_GRACE_MS, type DeliveryCounts } from './delivery-tracker.ts';
import { type TargetInput, type TargetResult, evaluateTargets } from './bench-targets.ts';
import type { TopologyUsage } from './topology-usage.ts';

export interface RequestScenarioReport {
  scenario: 'reads' | 'writes';
  requests: LoadResult;
  topology: TopologyUsage;
  /** The same scenario run first, while V8 still compiles the hot paths: shown, not held to the targets. */
  warmup?: LoadResult;
}

export interface DeliveryScenarioReport {
  scenario: 'delivery';
  requests: LoadResult;
  delivery: LoadResult;
  counts: DeliveryCounts;
  topology: TopologyUsage;
  /** The deliveries of the warm-up run before it. */
  warmup?: LoadResult;
}

export type ScenarioReport = RequestScenarioReport | DeliveryScenarioReport;

export interface BenchReport {
  options: Omit<BenchOptions, 'json'>;
  /** The topology's processes. */
  roles: string[];
  scenarios: ScenarioReport[];
  /** Roles that exited during the run on their own: their scenario's figures are suspect. */
  exited: string[];
}

export function targetsOf(report: BenchReport): TargetResult[] {
  const input: TargetInput = {};
  for (const s of report.scenarios) {
    const stealShare = s.topology.hostStealShare;
    if (s.scenario === 'delivery') input.delivery = { p99: s.delivery.p99, ok: s.delivery.ok, lost: s.counts.lost, stealShare };
    else input[s.scenario] = { rps: s.requests.rps, stealShare };
  }
  return evaluateTargets(input, report.options.servers);
}

/** Every row of the results table, in run order (a scenario's warm-up first). */
export function resultsOf(report: BenchReport): LoadResult[] {
  return report.scenarios.flatMap((s) => [...(s.warmup ? [s.warmup] : []), ...(s.scenario === 'delivery' ? [s.requests, s.delivery] : [s.requests])]);
}

/** The human report: the loadgen's table, the delivery counts, the topology's memory and CPU, the targets. */
export function formatBenchReport(report: BenchReport): string {
  const { options } = report;
  const out: string[] = [
    `chat zmq bench: ${report.roles.join(', ')} as separate processes; ${options.clients} clients; ${options.durationMs / 1_000} s per scenario` +
      (options.warmupMs > 0 ? ` after a ${options.warmupMs / 1_000}-s warm-up of its own (its row is marked, and the targets ignore it)` : ''),
    '',
    formatTable(resultsOf(report)).trimEnd(),
  ];
  for (const s of report.scenarios) {
    if (s.scenario !== 'delivery') continue;
    const c = s.counts;
    const n = (value: number) => value.toLocaleString('en-US');
    out.push(
      '',
      `delivery at ${n(options.rate)}/s: ${n(c.sent)} publish requests, ${n(c.accepted)} accepted, ${n(c.delivered)} delivered, ${n(c.lost)} lost` +
        ` (not received ${DELIVERY_GRACE_MS / 1_000} s after the last reply), ${n(c.duplicates)} duplicates` +
        (c.unconfirmed ? `, ${n(c.unconfirmed)} delivered although their request failed` : ''),
    );
  }
  out.push(
    '',
    'topology during each scenario (bench CPU is this process, the load generator):',
    ...grid(
      ['scenario', 'peak RSS MB', 'CPU s', 'cores', 'bench CPU s', 'host steal s'],
      report.scenarios.map((s) => [
        s.scenario,
        s.topology.peakRssMb.toFixed(1),
        s.topology.cpuSeconds.toFixed(2),
        s.topology.cores.toFixed(2),
        s.topology.benchCpuSeconds.toFixed(2),
        s.topology.hostStealSeconds === null ? '—' : s.topology.hostStealSeconds.toFixed(2),
      ]),
    ),
  );
  const targets = targetsOf(report);
  if (targets.length > 0) {
    out.push(
      '',
      'targets:',
      ...grid(
        ['scenario', 'target', 'goal', 'measured', 'result'],
        targets.map((t) => [t.scenario, t.target, t.goal, formatMeasured(t.measured, t.unit), t.pass ? 'pass' : 'FAIL']),
        [false, false, false, true, false],
      ),
    );
    for (const t of targets) if (t.note) out.push(`  ${t.target}: ${t.note}`);
  }
  if (report.exited.length > 0) out.push('', `warning: these roles exited during the run, so the figures after that are suspect: ${report.exited.join(', ')}`);
  return `${out.join('\n')}\n`;
}

export interface BenchJson {
  options: BenchReport['options'];
  roles: string[];
  /** Every row of the table, as other benches print them. */
  results: LoadResultJson[];
  scenarios: Record<string, { requests: LoadResultJson; delivery?: LoadResultJson; counts?: DeliveryCounts; topology: TopologyUsage; warmup?: LoadResultJson }>;
  targets: TargetResult[];
  exited: string[];
}

/** One JSON document with every figure and the verdict on each target. */
export function benchJson(report: BenchReport): BenchJson {
  const scenarios: BenchJson['scenarios'] = {};
  for (const s of report.scenarios) {
    const warmup = s.warmup ? { warmup: toJson(s.warmup) } : {};
    scenarios[s.scenario] =
      s.scenario === 'delivery'
        ? { requests: toJson(s.requests), delivery: toJson(s.delivery), counts: s.counts, topology: s.topology, ...warmup }
        : { requests: toJson(s.requests), topology: s.topology, ...warmup };
  }
  return { options: report.options, roles: report.roles, results: resultsOf(report).map(toJson), scenarios, targets: targetsOf(report), exited: report.exited };
}

/** A target's figure as the tables show it: req/s to one decimal, ms to three, a count as is. */
export function formatMeasured(value: number | null, unit: TargetResult['unit']): string {
  if (value === null) return 'nothing delivered';
  switch (unit) {
    case 'req/s':
      return `${value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} req/s`;
    case 'ms':
      return `${value.toFixed(3)} ms`;
    default:
      return String(value);
  }
}

/** Columns padded to their widest cell; numbers (all but the first column, unless told) to the right. */
export function grid(header: string[], rows: string[][], right = header.map((_, i) => i > 0)): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()}`;
  return [line(header), ...rows.map(line)];
}
