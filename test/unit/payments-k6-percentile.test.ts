import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrendSamples, k6Percentile } from '../../src/systems/payments/bench/k6-percentile.ts';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);

describe("k6's TrendSink percentile", () => {
  it('is 0 with no samples and the sample itself with one', () => {
    assert.equal(k6Percentile([], 0.99), 0);
    assert.equal(k6Percentile([7.25], 0.99), 7.25);
  });

  it('interpolates linearly at p·(n−1) over the sorted samples', () => {
    // i = 0.99·4 = 3.96 → 4 + (5 − 4)·0.96
    close(k6Percentile([5, 1, 4, 2, 3], 0.99), 4.96);
    // i = 0.5·4 = 2 falls on a sample: 3
    assert.equal(k6Percentile([5, 1, 4, 2, 3], 0.5), 3);
    // sorted [1, 3, 7, 10], i = 0.9·3 = 2.7 → 7 + (10 − 7)·0.7
    close(k6Percentile([10, 1, 7, 3], 0.9), 9.1);
    // 1..100: i = 0.99·99 = 98.01 → 99 + 1·0.01
    close(
      k6Percentile(
        Array.from({ length: 100 }, (_, i) => 100 - i),
        0.99,
      ),
      99.01,
    );
    assert.equal(k6Percentile([2, 9], 0), 2);
    assert.equal(k6Percentile([2, 9], 1), 9);
  });

  it('sorts numerically, not as text, and leaves the caller its samples', () => {
    const samples = [10, 9, 100, 2];
    // numeric order [2, 9, 10, 100]: i = 0.5·3 = 1.5 → 9.5 (text order would put 100 before 2 and 9)
    close(k6Percentile(samples, 0.5), 9.5);
    assert.deepEqual(samples, [10, 9, 100, 2]);
  });

  it('refuses a percentile given as 99 instead of 0.99', () => {
    assert.throws(() => k6Percentile([1, 2], 99), /fraction/);
  });

  it('keeps every sample as it grows past its first buffer', () => {
    const trend = new TrendSamples();
    const raw: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const value = ((i * 7919) % 10_007) / 100;
      trend.add(value);
      raw.push(value);
    }
    assert.equal(trend.count, 10_000);
    assert.equal(trend.percentile(0.99), k6Percentile(raw, 0.99));
    assert.equal(trend.percentile(1), Math.max(...raw));
  });
});
