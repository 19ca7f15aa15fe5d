import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentCount } from '../../src/kit/observe/recent-count.ts';

describe('RecentCount', () => {
  it('counts what happened in the last minute and forgets what is older', () => {
    const count = new RecentCount();
    const t = 1_000_000_000;
    count.add(1, t);
    count.add(2, t + 30_500);
    assert.equal(count.total(t + 59_000), 3);
    assert.equal(count.total(t + 60_000), 2, 'the first second has left the window');
    count.add(5, t + 61_000);
    assert.equal(count.total(t + 61_000), 7);
    assert.equal(count.total(t + 200_000), 0, 'minutes later, nothing');
  });
});
