import type { Histogram, Registry } from 'prom-client';

interface Series {
  labels: Record<string, string>;
  /** Observations per bucket, not cumulative; the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram for per-message timings: observe() is a bucket search and three additions on plain
 * numbers, where a prom-client child builds and hashes a label object on every call. prom-client reads it
 * through get(), the same shape its own histograms give, so /metrics shows it like any other.
 */
export class TalliedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #buckets: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.#buckets = [...buckets].sort((a, b) => a - b);
    // prom-client's registry takes any object with its metrics' name, help, type and get().
    registry.registerMetric(this as unknown as Histogram);
  }

  /** The series for these label values, in labelNames order; keep it rather than look it up per observation. */
  labels(...values: string[]): { observe(value: number): void } {
    if (values.length !== this.labelNames.length) throw new RangeError(`${this.name} takes ${this.labelNames.length} label values, got ${values.length}`);
    const key = values.join('\0');
    let series = this.#series.get(key);
    if (!series) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!]));
      this.#series.set(key, (series = { labels, counts: new Float64Array(this.#buckets.length + 1), sum: 0, count: 0 }));
    }
    const target = series;
    const buckets = this.#buckets;
    return {
      observe: (value: number) => {
        let i = 0;
        while (i < buckets.length && value > buckets[i]!) i++;
        target.counts[i]!++;
        target.sum += value;
        target.count++;
      },
    };
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName: string }[] }> {
    const values = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.#buckets.length; i++) {
        cumulative += counts[i]!;
        values.push({ labels: { ...labels, le: i < this.#buckets.length ? this.#buckets[i]! : '+Inf' }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels, value: sum, metricName: `${this.name}_sum` }, { labels, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const series of this.#series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
