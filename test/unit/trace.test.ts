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
});
