/**
 * k6's end-of-test TrendSink percentile (`metrics/sink.go`): all samples sorted, then linear interpolation
 * between the values at ⌊p·(n−1)⌋ and ⌈p·(n−1)⌉. No samples give 0, one sample gives itself.
 * `p` is a fraction: 0.99 for p(99).
 */
export function k6Percentile(samples: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`a percentile is a fraction from 0 to 1, got ${p}`);
  const n = samples.length;
  if (n === 0) return 0;
  if (n === 1) return samples[0]!;
  const sorted = Float64Array.from(samples).sort();
  return interpolate(sorted, p);
}

function interpolate(sorted: Float64Array, p: number): number {
  const i = p * (sorted.length - 1);
  const j = sorted[Math.floor(i)]!;
  const k = sorted[Math.ceil(i)]!;
  return j + (k - j) * (i - Math.floor(i));
}

/** A growing list of durations in ms, kept raw (no histogram) so the percentile is k6's, not an estimate. */
export class TrendSamples {
  #values = new Float64Array(4_096);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  add(value: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = value;
  }

  percentile(p: number): number {
    return k6Percentile(this.#values.subarray(0, this.#count), p);
  }
}
