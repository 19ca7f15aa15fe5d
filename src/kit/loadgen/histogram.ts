import { type Histogram, JsHistogram, build } from 'hdr-histogram-js';

/** Latencies are recorded in whole microseconds and reported in milliseconds with three decimals. */
export function latencyHistogram(significantDigits: 2 | 3 = 3): Histogram {
  return build({ numberOfSignificantValueDigits: significantDigits, autoResize: true });
}

export function toMicros(ms: number): number {
  return ms <= 0 ? 0 : Math.round(ms * 1_000);
}

export function toMillis(micros: number): number {
  return Math.round(micros) / 1_000;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function percentiles(histogram: Histogram): Percentiles {
  if (histogram.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    p50: percentile(histogram, 50),
    p90: percentile(histogram, 90),
    p99: percentile(histogram, 99),
    p999: percentile(histogram, 99.9),
    max: toMillis(histogram.maxValue),
    mean: toMillis(histogram.mean),
  };
}

/**
 * In ms. HDR answers with the top of the value's bucket (within 0.1% at three significant digits), which
 * can lie above the largest value actually recorded; a p99.9 above the max would only confuse, so it is capped.
 */
export function percentile(histogram: Histogram, p: number): number {
  return toMillis(Math.min(histogram.getValueAtPercentile(p), histogram.maxValue));
}

export interface LatencyBin {
  /** Bin edges in ms; a latency lands in the bin with from <= latency < to (the last bin includes its top). */
  from: number;
  to: number;
  count: number;
}

/** Exact counts of the recorded latencies in `bins` log-spaced bins between the smallest and the largest. */
export function latencyBins(histogram: Histogram, bins = 40): LatencyBin[] {
  if (histogram.totalCount === 0 || !(histogram instanceof JsHistogram)) return [];
  const low = Math.max(1, histogram.getValueAtPercentile(0));
  const high = Math.max(low * 1.01, histogram.maxValue);
  const step = Math.log(high / low) / bins;
  const out: LatencyBin[] = Array.from({ length: bins }, (_, i) => ({
    from: toMillis(low * Math.exp(step * i)),
    to: toMillis(low * Math.exp(step * (i + 1))),
    count: 0,
  }));
  const values = histogram.recordedValuesIterator;
  values.reset();
  while (values.hasNext()) {
    const { valueIteratedTo, countAtValueIteratedTo } = values.next();
    const value = Math.min(valueIteratedTo, histogram.maxValue);
    const index = value <= low ? 0 : Math.min(bins - 1, Math.floor(Math.log(value / low) / step));
    out[index]!.count += countAtValueIteratedTo;
  }
  return out;
}
