import type { LatencyBin } from './histogram.ts';
import { formatTick, linearScale, niceTicks, text } from './svg.ts';

const W = 860;
const H = 260;
const LEFT = 64;
const RIGHT = 20;
const TOP = 34;
const BOTTOM = 36;

/** Requests per latency bin; the bins are log-spaced, so they are drawn at equal widths on a log axis. */
export function histogramChart(bins: LatencyBin[]): string {
  const parts: string[] = [text(8, 14, 'latency histogram (requests per bin; log latency axis, ms)', 'class="label"')];
  if (bins.length > 0) {
    const yTicks = niceTicks(Math.max(...bins.map((b) => b.count)), 4);
    const y = linearScale(yTicks[yTicks.length - 1]!, H - BOTTOM, TOP);
    const width = (W - RIGHT - LEFT) / bins.length;
    for (const t of yTicks) parts.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${y(t)}" y2="${y(t)}"/>`, text(LEFT - 6, y(t) + 4, formatTick(t), 'text-anchor="end" class="small"'));
    bins.forEach((bin, i) => {
      const left = LEFT + i * width;
      if (bin.count > 0) {
        const tip = `${bin.from.toFixed(3)} to ${bin.to.toFixed(3)} ms: ${bin.count} requests`;
        parts.push(`<rect class="bar" x="${left.toFixed(1)}" y="${y(bin.count).toFixed(1)}" width="${Math.max(1, width - 1).toFixed(1)}" height="${(H - BOTTOM - y(bin.count)).toFixed(1)}"><title>${tip}</title></rect>`);
      }
      if (i % 8 === 0) parts.push(text(left, H - BOTTOM + 16, formatTick(bin.from), 'text-anchor="middle" class="small"'));
    });
    parts.push(text(W - RIGHT, H - BOTTOM + 16, formatTick(bins[bins.length - 1]!.to), 'text-anchor="middle" class="small"'));
  } else {
    parts.push(text(LEFT, TOP + 40, 'no successful requests to plot'));
  }
  return `<svg class="chart histogram-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${parts.join('')}</svg>`;
}
