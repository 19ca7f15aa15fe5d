import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedQueue } from '../../src/kit/resilience/bounded-queue.ts';

describe('BoundedQueue', () => {
  it('is first in, first out, and refuses new work past its capacity', () => {
    const q = new BoundedQueue<number>(3);
    assert.equal(q.push(1), true);
    assert.equal(q.push(2), true);
    assert.equal(q.push(3), true);
    assert.equal(q.push(4), false);
    assert.equal(q.size, 3);
    assert.deepEqual([q.shift(), q.shift(), q.shift(), q.shift()], [1, 2, 3, undefined]);
  });

  it('takes back accepted work at the front even when full', () => {
    const q = new BoundedQueue<string>(2);
    q.push('a');
    q.push('b');
    const a = q.shift()!;
    q.push('c');
    q.returnToFront(a);
    assert.equal(q.size, 3);
    assert.equal(q.peek(), 'a');
    assert.deepEqual([q.shift(), q.shift(), q.shift()], ['a', 'b', 'c']);
  });

  it('keeps order across many items and compactions', () => {
    const q = new BoundedQueue<number>(10_000);
    const out: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      q.push(i);
      if (i % 3 === 0) out.push(q.shift()!);
    }
    while (q.size > 0) out.push(q.shift()!);
    assert.deepEqual(out, Array.from({ length: 5_000 }, (_, i) => i));
  });

  it('clear hands back everything still queued, front first', () => {
    const q = new BoundedQueue<number>(5);
    q.push(1);
    q.push(2);
    q.returnToFront(0);
    assert.deepEqual(q.clear(), [0, 1, 2]);
    assert.equal(q.size, 0);
  });
});
