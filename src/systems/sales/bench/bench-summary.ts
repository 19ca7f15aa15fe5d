import type { SalesBenchResult } from './sales-bench.ts';

/** What the seed's client printed, plus percentiles and the share each worker answered. */
export function formatBenchSummary({ load, perWorker, errorReplies }: SalesBenchResult): string {
  const success = load.count === 0 ? 0 : (load.ok / load.count) * 100;
  const answered = Object.values(perWorker).reduce((a, b) => a + b, 0);
  const workers = Object.entries(perWorker)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([worker, n]) => `  ${worker}: ${n} (${answered ? ((n / answered) * 100).toFixed(1) : '0.0'}%)`);
  return [
    '--- 📊 BENCHMARK RESULTS ---',
    `Total Requests: ${load.count}`,
    `Success: ${load.ok} (${success.toFixed(2)}%)`,
    `Failed: ${load.failed}${errorReplies ? ` (${errorReplies} error replies)` : ''}`,
    `Avg Latency: ${load.mean.toFixed(2)} ms`,
    `Actual RPS: ${load.rps.toFixed(2)}`,
    `Latency p50 ${load.p50} ms · p90 ${load.p90} ms · p99 ${load.p99} ms · p99.9 ${load.p999} ms · max ${load.max} ms`,
    'Answered per worker:',
    ...(workers.length ? workers : ['  (none)']),
    ...(load.errors.length ? ['Most frequent failures:', ...load.errors.map((e) => `  ${e.count}× ${e.error}`)] : []),
    '',
  ].join('\n');
}
