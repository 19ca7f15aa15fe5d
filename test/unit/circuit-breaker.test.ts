import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker } from '../../src/kit/resilience/circuit-breaker.ts';

function clocked(options: { failureThreshold?: number; openMs?: number } = {}) {
  let t = 0;
  const breaker = new CircuitBreaker({ ...options, now: () => t });
  return { breaker, advance: (ms: number) => (t += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures, not before', () => {
    const { breaker } = clocked({ failureThreshold: 3 });
    breaker.failure();
    breaker.failure();
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.blocked(), false);
    breaker.failure();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.blocked(), true);
  });

  it('a success in between resets the count', () => {
    const { breaker } = clocked({ failureThreshold: 2 });
    breaker.failure();
    breaker.success();
    breaker.failure();
    assert.equal(breaker.state, 'closed');
  });

  it('lets exactly one probe through when half-open; its success closes the circuit', () => {
    const { breaker, advance } = clocked({ failureThreshold: 1, openMs: 500 });
    breaker.failure();
    advance(499);
    assert.equal(breaker.blocked(), true);
    advance(1);
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.blocked(), false);
    breaker.begin();
    assert.equal(breaker.blocked(), true, 'a second call must wait for the probe');
    breaker.success();
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.blocked(), false);
  });

  it('a failed probe opens the circuit for another full period', () => {
    const { breaker, advance } = clocked({ failureThreshold: 5, openMs: 100 });
    for (let i = 0; i < 5; i++) breaker.failure();
    advance(100);
    breaker.begin();
    breaker.failure();
    assert.equal(breaker.state, 'open');
    advance(99);
    assert.equal(breaker.blocked(), true);
    advance(1);
    assert.equal(breaker.blocked(), false);
  });
});
