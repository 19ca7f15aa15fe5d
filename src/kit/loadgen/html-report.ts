import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatDuration } from './duration.ts';
import { histogramChart } from './histogram-chart.ts';
import type { LoadResult } from './result.ts';
import { escapeXml } from './svg.ts';
import { timeChart } from './time-chart.ts';

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 920px; }
h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 36px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 8px 0 16px; } td, th { padding: 3px 10px; text-align: right; border-bottom: 1px solid #eee; }
th:first-child, td:first-child { text-align: left; }
.chart { display: block; margin: 12px 0; max-width: 100%; height: auto; }
.chart text { font: 11px system-ui, sans-serif; fill: #333; } .chart .label { font-size: 12px; font-weight: 600; }
.chart .small { font-size: 10px; fill: #666; } .chart .grid { stroke: #eee; }
.chart .bar { fill: #8fb8de; } .chart .fail { fill: #c0392b; }
.errors { color: #a00; }
`;

/** A self-contained page (inline CSS and SVG, no scripts) with each result's numbers and charts. */
export function renderHtmlReport(results: LoadResult[], title = 'mensageiro load report'): string {
  const sections = results.map(section).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeXml(title)}</h1><p>Generated ${escapeXml(new Date().toISOString())}. Latencies are in milliseconds and cover the successful requests; in the open model they are measured from each request's intended send time.</p>
${sections}
</body></html>
`;
}

export async function writeHtmlReport(results: LoadResult[], file: string, title?: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, renderHtmlReport(results, title));
}

function section(r: LoadResult): string {
  const shape = r.model === 'open' ? `open model at ${r.rate ?? '?'} req/s` : `closed model, up to ${r.vus ?? '?'} VUs`;
  const cells = [r.count, r.ok, r.failed, r.rps.toFixed(1), ...[r.p50, r.p90, r.p99, r.p999, r.max, r.mean].map((v) => v.toFixed(3))];
  const errors = r.errors.length
    ? `<ul class="errors">${r.errors.map((e) => `<li>${e.count} × ${escapeXml(e.error)}</li>`).join('')}</ul>`
    : '';
  return `<section>
<h2>${escapeXml(r.name)}</h2>
<p>${escapeXml(shape)}, ${escapeXml(formatDuration(r.durationMs))}.</p>
<table><tr><th>count</th><th>ok</th><th>failed</th><th>rps</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>mean</th></tr>
<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr></table>
${errors}
${timeChart(r.timeline)}
${histogramChart(r.histogram)}
</section>`;
}
