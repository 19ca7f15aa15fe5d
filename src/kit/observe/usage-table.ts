import { processTreeUsage } from './process-usage.ts';

/** A table of each named process's memory and CPU time, with a total: what a `cluster` prints when it stops. */
export function usageTable(names: string[], pids: Record<string, number>): string {
  const width = Math.max(8, ...names.map((n) => n.length));
  const rows = names.map((name) => ({ name, ...processTreeUsage(pids[name] === undefined ? [] : [pids[name]]) }));
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const line = (name: string, rss: number, peak: number, cpuMs: number) => `  ${name.padEnd(width)} ${mb(rss).padStart(8)} ${mb(peak).padStart(9)} ${(cpuMs / 1000).toFixed(2).padStart(8)}`;
  const total = rows.reduce((t, r) => ({ rss: t.rss + r.rssBytes, peak: t.peak + r.peakRssBytes, cpu: t.cpu + r.cpuMs }), { rss: 0, peak: 0, cpu: 0 });
  return ['', `  ${'process'.padEnd(width)}   RSS MB  peak MB    CPU s`, ...rows.map((r) => line(r.name, r.rssBytes, r.peakRssBytes, r.cpuMs)), line('total', total.rss, total.peak, total.cpu), ''].join('\n');
}
