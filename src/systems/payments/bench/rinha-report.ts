import { formatDuration } from '../../../kit/loadgen/duration.ts';
import type { RinhaResult } from './rinha-bench.ts';

const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (n: number) => n.toLocaleString('en-US');
const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

/** The result as the official final-results.json reads, laid out for a terminal. */
export function formatRinhaReport(result: RinhaResult): string {
  const { requests } = result;
  const rows = [
    ['', 'requests', 'amount', 'fee'],
    ['default', count(result.default.totalRequests), money(result.default.totalAmount), money(result.default.totalFee)],
    ['fallback', count(result.fallback.totalRequests), money(result.fallback.totalAmount), money(result.fallback.totalFee)],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  const lagNote = result.caixaDois ? 'CAIXA DOIS: more payments recorded than POSTs succeeded (disqualifying)' : result.lag > 0 ? 'payments lost' : 'none lost';
  return [
    `--- Rinha de Backend 2025, ${result.script} script: ${result.maxVus} VUs, ${formatDuration(result.scriptDurationMs)} ---`,
    `score (total_liquido)  ${money(result.score)}`,
    `p99                    ${result.p99.toFixed(2)} ms over ${count(result.samples)} requests, bonus ${percent(result.bonus)}`,
    `inconsistencies        ${count(result.inconsistencies)} in ${result.checks} checks${result.checkErrors ? ` (${result.checkErrors} unreadable)` : ''}, fine ${percent(result.fine)}`,
    `lag                    ${count(result.lag)} (${lagNote})`,
    `POST /payments         ${count(requests.ok)} ok, ${count(requests.failed)} failed of ${count(requests.total)}`,
    ...table,
    `gross ${money(result.gross)}  fees ${money(result.fees)}  liquid ${money(result.liquid)}`,
    ...(result.failures.length ? ['most frequent failures:', ...result.failures.map((f) => `  ${count(f.count)} × ${f.error}`)] : []),
    '',
  ].join('\n');
}

export interface RinhaJsonExtra {
  /** The peak RSS of the system under test, measured by the caller; null when nobody measured it. */
  memoryPeakMb?: number | null;
  [key: string]: unknown;
}

/** One JSON object per run, for `--json` and for docs/benchmarks.md. */
export function toJson(result: RinhaResult, extra: RinhaJsonExtra = {}): Record<string, unknown> {
  return {
    script: result.script,
    vus: result.maxVus,
    durationMs: result.scriptDurationMs,
    ranForMs: Math.round(result.durationMs),
    p99: result.p99,
    p99Raw: result.p99Raw,
    samples: result.samples,
    bonus: result.bonus,
    inconsistencies: result.inconsistencies,
    checks: result.checks,
    fine: result.fine,
    lag: result.lag,
    caixaDois: result.caixaDois,
    score: result.score,
    gross: result.gross,
    fees: result.fees,
    liquid: result.liquid,
    requests: result.requests,
    default: result.default,
    fallback: result.fallback,
    failures: result.failures,
    ...extra,
    memoryPeakMb: extra.memoryPeakMb ?? null,
  };
}
