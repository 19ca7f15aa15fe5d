import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childTraceparent, newTraceparent, traceIdOf } from '../../src/kit/observe/trace.ts';

describe('W3C traceparent', () => {
  it('makes valid, distinct trace ids', () => {
    const a = newTraceparent();
    const b = newTraceparent();
    assert.match(a, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.notEqual(traceIdOf(a), traceIdOf(b));
  });

  it('continues the parent trace with a new span', () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const child = childTraceparent(parent);
    assert.equal(traceIdOf(child), '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.notEqual(child.split('-')[2], '00f067aa0ba902b7');
  });

  it('starts a new trace when the parent is malformed', () => {
    assert.match(childTraceparent('garbage'), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("keeps the parent's flags and starts a new trace for what is not version 00 in lowercase hex", () => {
    assert.match(childTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00'), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
    for (const malformed of [
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      '00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      // U+0130 and U+0131 end in the bytes of '0' and '1'
      '00-4bf92f3577b34da6a3ce929d0e0e473\u0130-00f067aa0ba902b7-0\u0131',
    ]) {
      assert.equal(traceIdOf(malformed), undefined, malformed);
      assert.notEqual(traceIdOf(childTraceparent(malformed)), '4bf92f3577b34da6a3ce929d0e0e4736', malformed);
    }
  });
});
