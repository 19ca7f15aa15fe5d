import { formatTick, legend, linearScale, niceTicks, polyline, text } from './svg.ts';
import type { TimelinePoint } from './timeline.ts';

const W = 860;
const LEFT = 64;
const RIGHT = 20;
const TOP = 34;
const LATENCY_H = 220;
const GAP = 40;
const RPS_H = 110;
const BOTTOM = 34;

export const SERIES = [
  { key: 'p50', label: 'p50', color: '#2b7bb9' },
  { key: 'p99', label: 'p99', color: '#e08a1e' },
  { key: 'max', label: 'max', color: '#c0392b' },
] as const;

/** Latency per second (p50, p99, max) above, requests completed per second below, on one time axis. */
export function timeChart(points: TimelinePoint[]): string {
  const height = TOP + LATENCY_H + GAP + RPS_H + BOTTOM;
  const seconds = Math.max(1, points.length);
  const x = linearScale(seconds, LEFT, W - RIGHT);
  const yTicks = niceTicks(Math.max(0, ...points.map((p) => p.max)));
  const y = linearScale(yTicks[yTicks.length - 1]!, TOP + LATENCY_H, TOP);
  const rpsTop = TOP + LATENCY_H + GAP;
  const rTicks = niceTicks(Math.max(0, ...points.map((p) => p.count)), 3);
  const r = linearScale(rTicks[rTicks.length - 1]!, rpsTop + RPS_H, rpsTop);
  const parts: string[] = [];

  for (const t of yTicks) parts.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${y(t)}" y2="${y(t)}"/>`, text(LEFT - 6, y(t) + 4, formatTick(t), 'text-anchor="end" class="small"'));
  for (const t of rTicks) parts.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${r(t)}" y2="${r(t)}"/>`, text(LEFT - 6, r(t) + 4, formatTick(t), 'text-anchor="end" class="small"'));
  for (const t of niceTicks(seconds, 8)) {
    if (t > seconds) continue;
    parts.push(text(x(t), rpsTop + RPS_H + 16, `${formatTick(t)}s`, 'text-anchor="middle" class="small"'));
  }
  parts.push(text(8, 14, 'latency per second (ms)', 'class="label"'), text(8, rpsTop - 10, 'completed per second (ok + failed; failed in red)', 'class="label"'));

  // Each second's value is drawn at the middle of its second.
  for (const s of SERIES) {
    parts.push(polyline(points.map((p) => [x(p.second + 0.5), y(p[s.key])]), s.color, s.label));
  }
  const barW = Math.max(1, (W - RIGHT - LEFT) / seconds - 2);
  for (const p of points) {
    const left = x(p.second) + 1;
    const tip = `second ${p.second}: ${p.count} completed, ${p.failed} failed, p50 ${p.p50} ms, p99 ${p.p99} ms, max ${p.max} ms`;
    parts.push(`<rect class="bar" x="${left.toFixed(1)}" y="${r(p.count).toFixed(1)}" width="${barW.toFixed(1)}" height="${(rpsTop + RPS_H - r(p.count)).toFixed(1)}"><title>${tip}</title></rect>`);
    if (p.failed > 0) parts.push(`<rect class="fail" x="${left.toFixed(1)}" y="${r(p.failed).toFixed(1)}" width="${barW.toFixed(1)}" height="${(rpsTop + RPS_H - r(p.failed)).toFixed(1)}"/>`);
  }
  parts.push(legend(W - RIGHT - 270, 14, SERIES.map((s) => ({ label: s.label, color: s.color }))));
  return `<svg class="chart time-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}">${parts.join('')}</svg>`;
}
