import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median } from '../../src/systems/fleet/bench/fleet-bench.ts';

describe('fleet bench: medians over pairs', () => {
  it('takes the middle run, or the mean of the two middle ones', () => {
    assert.equal(median([4.2]), 4.2);
    assert.equal(median([9, 1, 5]), 5);
    assert.equal(median([3.1, 1.2, 8, 2.4]), 2.75);
  });
});
