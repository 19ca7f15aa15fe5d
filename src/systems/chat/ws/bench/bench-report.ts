import type { LoadResult } from '../../../../kit/loadgen/index.ts';
import type { ScenarioName } from './bench-options.ts';
import type { Pair, ScenarioOutcome, SideRun } from './ws-bench.ts';
import { type PersistRun, formatPersistTable } from './persist-bench.ts';

/** Each scenario's headline figure and its target, as ours / Socket.IO's in the same run. */
interface ScenarioTarget {
  figure: string;
  unit: string;
  value(run: SideRun): number | null;
  /** The ratio's goal: at most (latency, memory) or at least (rate). */
  goal: { atMost?: number; atLeast?: number };
}

export const TARGETS: Record<Exclude<ScenarioName, 'persist'>, ScenarioTarget> = {
  room: { figure: 'cross-instance delivery p99', unit: 'ms', value: (r) => (r.room && r.room.cross.ok > 0 ? r.room.cross.p99 : null), goal: { atMost: 0.5 } },
  'max-rate': { figure: 'highest rate at delivery p99 ≤ 10 ms', unit: 'msg/s', value: (r) => r.maxRate?.highest ?? null, goal: { atLeast: 1.6 } },
  idle: { figure: 'RSS per idle connection', unit: 'KB', value: (r) => (r.idle ? r.idle.bytesPerConnection / 1024 : null), goal: { atMost: 0.45 } },
};

export interface ScenarioSummary {
  scenario: ScenarioName;
  unavailable?: string;
  figure?: string;
  unit?: string;
  oursMedian?: number | null;
  theirsMedian?: number | null;
  /** The median of each pair's ours / theirs. */
  ratioMedian?: number | null;
  goal?: string;
  /** Lost deliveries over every run of ours (room). */
  oursLost?: number;
  theirsLost?: number;
  met?: boolean;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const present = (values: Array<number | null>) => values.filter((v): v is number => v !== null);

export function ratioOf(target: ScenarioTarget, pair: Pair): number | null {
  const ours = target.value(pair.ours);
  const theirs = target.value(pair.theirs);
  return ours === null || theirs === null || theirs === 0 ? null : ours / theirs;
}

export function summarize(outcome: ScenarioOutcome): ScenarioSummary {
  if (outcome.persist) return summarizePersist(outcome.persist.runs, outcome.persist.messages);
  if (outcome.scenario === 'persist' || outcome.unavailable) return { scenario: outcome.scenario, unavailable: outcome.unavailable ?? 'did not run' };
  const target = TARGETS[outcome.scenario];
  const ratioMedian = median(present(outcome.pairs.map((p) => ratioOf(target, p))));
  const lost = (runs: SideRun[]) => runs.reduce((n, r) => n + (r.room?.counts.lost ?? 0), 0);
  const ours = outcome.pairs.map((p) => p.ours);
  const theirs = outcome.pairs.map((p) => p.theirs);
  const goal = target.goal.atMost !== undefined ? `≤ ${target.goal.atMost}×` : `≥ ${target.goal.atLeast}×`;
  const ratioMet = ratioMedian !== null && (target.goal.atMost !== undefined ? ratioMedian <= target.goal.atMost : ratioMedian >= target.goal.atLeast!);
  return {
    scenario: outcome.scenario,
    figure: target.figure,
    unit: target.unit,
    oursMedian: median(present(ours.map(target.value))),
    theirsMedian: median(present(theirs.map(target.value))),
    ratioMedian,
    goal,
    ...(outcome.scenario === 'room' ? { oursLost: lost(ours), theirsLost: lost(theirs) } : {}),
    met: ratioMet && (outcome.scenario !== 'room' || lost(ours) === 0),
  };
}

/** persist: the stream's rate over the floor's, the median over every pair of every batch size, and what was lost. */
function summarizePersist(runs: PersistRun[], messages: number): ScenarioSummary {
  const streams = runs.filter((r) => r.kind === 'stream');
  const floorOf = (s: PersistRun) => runs.find((r) => r.kind === 'floor' && r.pair === s.pair && r.batchSize === s.batchSize);
  const ratios = present(streams.map((s) => (floorOf(s) ? s.rate / floorOf(s)!.rate : null)));
  return {
    scenario: 'persist',
    figure: 'messages a second, stream / bare COPY',
    unit: 'msg/s',
    oursMedian: median(streams.map((r) => r.rate)),
    theirsMedian: median(present(streams.map((s) => floorOf(s)?.rate ?? null))),
    ratioMedian: median(ratios),
    oursLost: streams.reduce((n, r) => n + messages - r.distinct, 0),
  };
}

const fmt = (value: number | null | undefined, digits = 2) => (value === null || value === undefined ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const steal = (run: SideRun) => (run.stealSeconds === null ? '' : ` (steal ${run.stealSeconds.toFixed(2)} s)`);

/** One side's figure in a pair, as the tables show it, with the host's steal beside it. */
export function cell(scenario: Exclude<ScenarioName, 'persist'>, run: SideRun): string {
  const value = TARGETS[scenario].value(run);
  const digits = scenario === 'max-rate' ? 0 : scenario === 'idle' ? 1 : 2;
  let extra = '';
  if (run.room) extra = `, ${run.room.counts.lost} lost, ${run.room.counts.duplicates} dup`;
  if (run.maxRate) extra = ` (${run.maxRate.steps.length} steps)`;
  return `${fmt(value, digits)}${extra}${steal(run)}`;
}

/** A line per pair while the bench runs. */
export function pairLine(scenario: Exclude<ScenarioName, 'persist'>, pair: Pair): string {
  const ratio = ratioOf(TARGETS[scenario], pair);
  return `${scenario}: mensageiro ${cell(scenario, pair.ours)} · socket.io ${cell(scenario, pair.theirs)} · ratio ${fmt(ratio)}`;
}

/** The human report: per scenario, every pair with steal, the medians and the verdict. */
export function formatWsBench(outcomes: ScenarioOutcome[], loadAverage: number[]): string {
  const out: string[] = [`chat ws bench: mensageiro against Socket.IO 4 (+ @socket.io/redis-adapter), two instances each on one Redis, alternating pairs; load average at the end ${loadAverage.map((l) => l.toFixed(2)).join(' ')}`];
  for (const outcome of outcomes) {
    out.push('');
    if (outcome.persist) {
      out.push('persist: the Redis stream into PostgreSQL through the persisters against a bare COPY of the same rows (msg/s)');
      out.push(...formatPersistTable(outcome.persist.runs, outcome.persist.messages).trimEnd().split('\n').map((line) => (line ? `  ${line}` : '')));
      continue;
    }
    if (outcome.scenario === 'persist' || outcome.unavailable) {
      out.push(`${outcome.scenario}: ${outcome.unavailable}`);
      continue;
    }
    const scenario = outcome.scenario;
    const target = TARGETS[scenario];
    const s = summarize(outcome);
    out.push(`${scenario}: ${target.figure} (${target.unit})`);
    const header = ['pair', 'first', 'mensageiro', 'socket.io', 'ratio'];
    const rows = outcome.pairs.map((p, i) => [String(i + 1), p.ours.first ? 'mensageiro' : 'socket.io', cell(scenario, p.ours), cell(scenario, p.theirs), fmt(ratioOf(target, p))]);
    rows.push(['median', '', fmt(s.oursMedian, scenario === 'max-rate' ? 0 : 2), fmt(s.theirsMedian, scenario === 'max-rate' ? 0 : 2), fmt(s.ratioMedian)]);
    out.push(...grid(header, rows));
    out.push(`  target: ours / Socket.IO's ${s.goal}${scenario === 'room' ? ', none lost' : ''}: ${s.met ? 'met' : 'MISSED'} (median ratio ${fmt(s.ratioMedian)})`);
    for (const p of outcome.pairs) for (const run of [p.ours, p.theirs]) {
      if (run.exited.length > 0) out.push(`  warning: ${run.exited.join(', ')} exited during the run: its figures are suspect`);
      if (run.room?.errorReasons.length) out.push(`  ${run.side} errors: ${run.room.errorReasons.join('; ')}`);
    }
    if (scenario === 'max-rate') {
      for (const p of outcome.pairs) for (const run of [p.ours, p.theirs]) {
        const last = run.maxRate?.steps.at(-1);
        if (last && !last.met) out.push(`  ${run.side}: stopped at ${last.rate}/s (p99 ${fmt(last.p99)} ms, ${last.lost} lost, ${last.achieved}/s sent)`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/** The latency rows for the HTML report. */
export function reportRows(outcomes: ScenarioOutcome[]): LoadResult[] {
  const rows: LoadResult[] = [];
  for (const outcome of outcomes) {
    outcome.pairs.forEach((p, i) => {
      for (const run of [p.ours, p.theirs]) {
        const tag = (r: LoadResult) => ({ ...r, name: `pair ${i + 1}: ${r.name}${run.stealSeconds === null ? '' : ` (steal ${run.stealSeconds.toFixed(2)} s)`}` });
        if (run.room) rows.push(tag(run.room.cross));
        if (run.maxRate?.best) rows.push(tag(run.maxRate.best));
      }
    });
  }
  return rows;
}

function grid(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i > 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()}`;
  return [line(header), ...rows.map(line)];
}
