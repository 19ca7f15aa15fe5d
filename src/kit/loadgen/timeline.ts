import type { Histogram } from 'hdr-histogram-js';
import { latencyHistogram, percentile, toMillis } from './histogram.ts';

export interface TimelinePoint {
  /** Seconds since the run started (0 is the first second). */
  second: number;
  /** Requests that completed in this second, ok or failed. */
  count: number;
  failed: number;
  /** Latencies of the ok ones, in ms. */
  p50: number;
  p99: number;
  max: number;
}

interface Second {
  count: number;
  failed: number;
  histogram: Histogram;
}

/** Per-second counts and latencies, bucketed by completion time. Two significant digits keep it small. */
export class Timeline {
  readonly #seconds: (Second | undefined)[] = [];

  constructor(readonly startedAt: number) {}

  #at(now: number): Second {
    const index = Math.max(0, Math.floor((now - this.startedAt) / 1_000));
    let second = this.#seconds[index];
    if (!second) this.#seconds[index] = second = { count: 0, failed: 0, histogram: latencyHistogram(2) };
    return second;
  }

  ok(now: number, micros: number): void {
    const second = this.#at(now);
    second.count++;
    second.histogram.recordValue(micros);
  }

  failed(now: number): void {
    const second = this.#at(now);
    second.count++;
    second.failed++;
  }

  points(): TimelinePoint[] {
    const out: TimelinePoint[] = [];
    for (let i = 0; i < this.#seconds.length; i++) {
      const s = this.#seconds[i];
      if (!s) {
        out.push({ second: i, count: 0, failed: 0, p50: 0, p99: 0, max: 0 });
        continue;
      }
      const h = s.histogram;
      const any = h.totalCount > 0;
      out.push({
        second: i,
        count: s.count,
        failed: s.failed,
        p50: any ? percentile(h, 50) : 0,
        p99: any ? percentile(h, 99) : 0,
        max: any ? toMillis(h.maxValue) : 0,
      });
    }
    return out;
  }
}
