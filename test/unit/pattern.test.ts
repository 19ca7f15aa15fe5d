import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesPattern } from '../../src/kit/bus/pattern.ts';

describe('topic patterns', () => {
  const cases: [string, string, boolean][] = [
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.b.x.c', false],
    ['a.*', 'a', false],
    ['a.#', 'a', true],
    ['a.#', 'a.b.c', true],
    ['#', 'anything.at.all', true],
    ['#.c', 'a.b.c', true],
    ['#.c', 'c', true],
    ['a.#.c', 'a.c', true],
    ['a.#.c', 'a.x.y.c', true],
    ['a.#.c', 'a.x.y.d', false],
    ['*.*', 'a.b', true],
    ['*.*', 'a.b.c', false],
  ];
  for (const [pattern, topic, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${topic}`, () => {
      assert.equal(matchesPattern(pattern, topic), expected);
    });
  }
});
