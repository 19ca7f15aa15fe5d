import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATEGORIES, REGIONS } from '../../src/systems/sales/domain/catalog.ts';
import { randomSalesRequest } from '../../src/systems/sales/domain/random-request.ts';

/** A small seeded generator so the test sees the same 2,000 requests every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('randomSalesRequest', () => {
  it('uses real regions and categories, a range within the last five years, and a valid hour window', () => {
    const now = Date.UTC(2026, 10, 24, 12);
    const fiveYearsAgo = new Date(now - 5 * 365 * 24 * 3_600_000).toISOString().slice(0, 10);
    const today = new Date(now).toISOString().slice(0, 10);
    const random = lcg(1);
    const regions = new Set<string>();
    const categories = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const request = randomSalesRequest(random, now);
      assert.ok((REGIONS as readonly string[]).includes(request.region), request.region);
      assert.ok((CATEGORIES as readonly string[]).includes(request.category), request.category);
      regions.add(request.region);
      categories.add(request.category);
      assert.match(request.start_date, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(request.start_date >= fiveYearsAgo && request.start_date <= request.end_date && request.end_date <= today, JSON.stringify(request));
      assert.ok(request.start_hour >= 0 && request.start_hour <= request.end_hour && request.end_hour <= 23, JSON.stringify(request));
    }
    assert.equal(regions.size, REGIONS.length, 'every region comes up');
    assert.equal(categories.size, CATEGORIES.length, 'every category comes up');
  });
});
