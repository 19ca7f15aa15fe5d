import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SendBuffer } from '../../src/systems/chat/ws/domain/send-buffer.ts';
import { TokenBucket } from '../../src/systems/chat/ws/domain/token-bucket.ts';

describe('the token bucket', () => {
  it('lets a burst through at once, then refuses until time refills it', () => {
    const bucket = new TokenBucket(20, 40, 0);
    for (let i = 0; i < 40; i++) assert.equal(bucket.take(0), true, `take ${i}`);
    assert.equal(bucket.take(0), false);
    assert.equal(bucket.take(49), false, 'under a token after 49 ms at 20/s');
    assert.equal(bucket.take(50), true, 'one token after 50 ms');
    assert.equal(bucket.take(50), false);
  });

  it('refills at its rate up to the burst, never beyond', () => {
    const bucket = new TokenBucket(20, 40, 0);
    for (let i = 0; i < 40; i++) bucket.take(0);
    assert.equal(bucket.available(1_000), 20);
    assert.equal(bucket.available(60_000), 40);
  });

  it('holds a steady sender at its rate: over 10 s at 50 a second, 40 + 200 get through', () => {
    const bucket = new TokenBucket(20, 40, 0);
    let passed = 0;
    for (let t = 0; t < 10_000; t += 20) if (bucket.take(t)) passed++;
    assert.ok(passed >= 238 && passed <= 240, `${passed}`);
  });

  it('ignores a clock that goes back', () => {
    const bucket = new TokenBucket(1, 1, 1_000);
    assert.equal(bucket.take(1_000), true);
    assert.equal(bucket.take(500), false);
    assert.equal(bucket.take(1_999), false);
    assert.equal(bucket.take(2_000), true);
  });

  it('refuses a rate or burst that could never pass anything', () => {
    assert.throws(() => new TokenBucket(0, 10), RangeError);
    assert.throws(() => new TokenBucket(10, 0), RangeError);
    assert.throws(() => new TokenBucket(Number.NaN, 10), RangeError);
  });
});

describe('the send buffer', () => {
  it('refuses the frame that would pass the message bound, and keeps what it had', () => {
    const buffer = new SendBuffer({ maxMessages: 3, maxChars: 1_000 });
    for (const frame of ['a', 'b', 'c']) assert.equal(buffer.push(frame), true);
    assert.equal(buffer.push('d'), false);
    assert.equal(buffer.length, 3);
    assert.equal(buffer.takeBatch(1_000), 'a\nb\nc');
    assert.equal(buffer.length, 0);
    assert.equal(buffer.push('d'), true, 'room again once drained');
  });

  it('refuses the frame that would pass the character bound', () => {
    const buffer = new SendBuffer({ maxMessages: 100, maxChars: 10 });
    assert.equal(buffer.push('12345'), true);
    assert.equal(buffer.push('123456'), false);
    assert.equal(buffer.push('12345'), true);
    assert.equal(buffer.chars, 10);
    assert.equal(buffer.push('x'), false);
  });

  it('joins frames with newlines into batches no longer than asked, oldest first, a long frame alone', () => {
    const buffer = new SendBuffer({ maxMessages: 100, maxChars: 1_000 });
    for (const frame of ['{"a":1}', '{"b":2}', '{"c":3}', 'x'.repeat(30), '{"d":4}']) buffer.push(frame);
    assert.equal(buffer.takeBatch(16), '{"a":1}\n{"b":2}');
    assert.equal(buffer.takeBatch(16), '{"c":3}');
    assert.equal(buffer.takeBatch(16), 'x'.repeat(30));
    assert.equal(buffer.takeBatch(16), '{"d":4}');
    assert.equal(buffer.takeBatch(16), undefined);
    assert.equal(buffer.chars, 0);
  });

  it('keeps its bounds over a long run of pushes and takes', () => {
    const buffer = new SendBuffer({ maxMessages: 256, maxChars: 1_000_000 });
    let refused = 0;
    let taken = 0;
    for (let i = 0; i < 20_000; i++) {
      if (!buffer.push(`{"n":${i}}`)) refused++;
      if (i % 2 === 0 && buffer.takeBatch(1) !== undefined) taken++;
      assert.ok(buffer.length <= 256);
    }
    while (buffer.length > 0) taken += buffer.takeBatch(1_000_000)!.split('\n').length;
    assert.ok(refused > 0, 'a producer faster than its consumer is refused');
    assert.equal(taken + refused, 20_000, 'every frame is either sent or refused, none lost in between');
  });

  it('clear() empties it', () => {
    const buffer = new SendBuffer({ maxMessages: 2, maxChars: 100 });
    buffer.push('a');
    buffer.push('b');
    buffer.clear();
    assert.equal(buffer.length, 0);
    assert.equal(buffer.chars, 0);
    assert.equal(buffer.push('c'), true);
  });
});
