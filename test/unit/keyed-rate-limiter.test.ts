import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedRateLimiter, parseRateLimit } from '../../src/kit/resilience/keyed-rate-limiter.ts';

function limiterAt(perSecond: number, burst: number, maxKeys?: number) {
  const clock = { ms: 0 };
  return { clock, limiter: new KeyedRateLimiter({ perSecond, burst }, maxKeys, () => clock.ms) };
}

describe('keyed rate limiter', () => {
  it('lets a burst through at once, then refuses with the wait until the next token', () => {
    const { limiter } = limiterAt(10, 20);
    for (let i = 0; i < 20; i++) assert.equal(limiter.take('1.2.3.4'), 0, `request ${i + 1}`);
    assert.equal(limiter.take('1.2.3.4'), 100);
  });

  it('refills at the rate, never above the burst', () => {
    const { clock, limiter } = limiterAt(10, 20);
    for (let i = 0; i < 20; i++) limiter.take('a');
    clock.ms += 250;
    assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 50, 'half a token left: 50 ms to the next');
    clock.ms += 60_000;
    let allowed = 0;
    while (limiter.take('a') === 0) allowed++;
    assert.equal(allowed, 20);
  });

  it('keeps a bucket per key', () => {
    const { limiter } = limiterAt(1, 1);
    assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('b'), 0);
    assert.equal(limiter.take('a'), 1_000);
  });

  it('forgets the least recently used key past maxKeys, so memory stays bounded', () => {
    const { limiter } = limiterAt(1, 1, 2);
    limiter.take('a');
    limiter.take('b');
    limiter.take('a');
    limiter.take('c');
    assert.equal(limiter.keys, 2);
    assert.equal(limiter.take('a'), 1_000, 'a was used recently and kept its empty bucket');
    assert.equal(limiter.take('b'), 0, 'b was dropped and starts full');
  });

  it('reads 10/20 and off, and refuses anything else with the form to write', () => {
    assert.deepEqual(parseRateLimit('10/20'), { perSecond: 10, burst: 20 });
    assert.deepEqual(parseRateLimit('0.5/1'), { perSecond: 0.5, burst: 1 });
    assert.equal(parseRateLimit('off'), undefined);
    for (const text of ['10', '0/5', '10/0', 'ten/20', '10/20/30']) assert.throws(() => parseRateLimit(text), /write requests per second and burst as 10\/20, or off/);
  });
});
