/** Small helpers for hand-drawn SVG charts: no chart library, nothing fetched, so a report opens offline. */

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Round tick values from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

export function linearScale(domainMax: number, rangeFrom: number, rangeTo: number): (v: number) => number {
  const span = domainMax > 0 ? domainMax : 1;
  return (v) => rangeFrom + ((rangeTo - rangeFrom) * v) / span;
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 10_000) return `${Number((v / 1_000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

export function polyline(points: [number, number][], color: string, label: string): string {
  const d = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${d}"><title>${escapeXml(label)}</title></polyline>`;
}

export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`;
}

export function legend(x: number, y: number, entries: { label: string; color: string }[]): string {
  return entries
    .map((e, i) => {
      const left = x + i * 90;
      return `<rect x="${left}" y="${y - 8}" width="10" height="10" fill="${e.color}"/>${text(left + 14, y + 1, e.label, 'class="small"')}`;
    })
    .join('');
}
