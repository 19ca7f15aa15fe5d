import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { LinkedList } from '../../src/kit/bus/linked-list.ts';
import { OrderedIndex } from '../../src/kit/bus/ordered-index.ts';

describe('OrderedIndex', () => {
  it('agrees with a Map through random adds and takes, and keeps insertion order', () => {
    const index = new OrderedIndex<number>();
    const reference = new Map<string, number>();
    const keys: string[] = [];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      if (keys.length === 0 || random() < 0.55) {
        // Short keys too, so probe runs collide and wrap around.
        const key = random() < 0.5 ? randomUUID() : `k${i % 997}`;
        index.add(key, i);
        if (!reference.has(key)) keys.push(key);
        reference.delete(key);
        reference.set(key, i);
      } else {
        const key = keys.splice(Math.floor(random() * keys.length), 1)[0]!;
        assert.equal(index.take(key), reference.get(key));
        reference.delete(key);
      }
      if (i % 1000 === 0) assert.deepEqual([...index.entries()], [...reference.entries()]);
    }
    assert.equal(index.size, reference.size);
    for (const [key, value] of reference) assert.equal(index.get(key), value);
    assert.equal(index.get('missing'), undefined);
    assert.equal(index.take('missing'), undefined);
    index.clear();
    assert.equal(index.size, 0);
    assert.equal(index.get(keys[0]!), undefined);
  });

  it('lets the current entry be taken while iterating', () => {
    const index = new OrderedIndex<number>();
    for (let i = 0; i < 10; i++) index.add(`k${i}`, i);
    const seen: number[] = [];
    for (const [key, value] of index.entries()) {
      seen.push(value);
      index.take(key);
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(index.size, 0);
  });
});

describe('LinkedList', () => {
  it('removes by node in O(1), once, and iterates oldest first', () => {
    const list = new LinkedList<string>();
    const a = list.push('a');
    const b = list.push('b');
    list.push('c');
    assert.equal(list.remove(b), true);
    assert.equal(list.remove(b), false);
    assert.deepEqual([...list.values()], ['a', 'c']);
    list.remove(a);
    assert.equal(list.first()?.value, 'c');
    assert.equal(list.size, 1);
  });
});
