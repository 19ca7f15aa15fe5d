import type { LoadResult } from './result.ts';

const columns: { title: string; cell: (r: LoadResult) => string }[] = [
  { title: 'count', cell: (r) => String(r.count) },
  { title: 'ok', cell: (r) => String(r.ok) },
  { title: 'failed', cell: (r) => String(r.failed) },
  { title: 'rps', cell: (r) => r.rps.toFixed(1) },
  { title: 'p50', cell: (r) => r.p50.toFixed(3) },
  { title: 'p90', cell: (r) => r.p90.toFixed(3) },
  { title: 'p99', cell: (r) => r.p99.toFixed(3) },
  { title: 'p99.9', cell: (r) => r.p999.toFixed(3) },
  { title: 'max', cell: (r) => r.max.toFixed(3) },
];

/** The end-of-run table: one row per result, numbers right-aligned, latencies in ms; top errors below. */
export function formatTable(results: LoadResult[]): string {
  const header = ['name', ...columns.map((c) => c.title)];
  const rows = results.map((r) => [r.name, ...columns.map((c) => c.cell(r))]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const out = [line(header), ...rows.map(line)];
  out.push('latencies in ms, from the intended send time in the open model; rps counts ok requests');
  for (const r of results) {
    for (const e of r.errors) out.push(`  ${r.name}: ${e.count} × ${e.error}`);
  }
  return `${out.join('\n')}\n`;
}

