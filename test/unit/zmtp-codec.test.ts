import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FrameReader,
  GREETING_BYTES,
  type ZmtpEvent,
  ZmtpProtocolError,
  checkGreeting,
  encodeCommand,
  encodeMessage,
  greeting,
  parseProperties,
  readyCommand,
} from '../../src/kit/zmtp/zmtp-codec.ts';

function readAll(bytes: Buffer, cut: number[], maxBytes = 1 << 20): ZmtpEvent[] {
  const reader = new FrameReader(maxBytes);
  const events: ZmtpEvent[] = [];
  let from = 0;
  for (const to of [...cut, bytes.length]) {
    reader.push(bytes.subarray(from, to), (event) => events.push(event));
    from = to;
  }
  return events;
}

describe('ZMTP codec', () => {
  it('greets as ZMTP 3.0 with the NULL mechanism, and accepts such a greeting', () => {
    const bytes = greeting();
    assert.equal(bytes.length, GREETING_BYTES);
    assert.equal(bytes[0], 0xff);
    assert.equal(bytes[9], 0x7f);
    assert.deepEqual([bytes[10], bytes[11]], [3, 0]);
    assert.equal(bytes.toString('latin1', 12, 16), 'NULL');
    assert.doesNotThrow(() => checkGreeting(bytes));
  });

  it('refuses a greeting that is not ZMTP, an older version, or another mechanism, saying which', () => {
    const notZmtp = Buffer.from(`GET / HTTP/1.1\r\n${'x'.repeat(64)}`);
    assert.throws(() => checkGreeting(notZmtp), (err: Error) => err instanceof ZmtpProtocolError && /signature/.test(err.message));
    const old = greeting();
    old[10] = 2;
    assert.throws(() => checkGreeting(old), /ZMTP 2\.0; 3\.0 or later/);
    const curve = greeting();
    curve.fill(0, 12, 32);
    curve.write('CURVE', 12, 'latin1');
    assert.throws(() => checkGreeting(curve), /CURVE mechanism/);
  });

  it('round-trips READY metadata', () => {
    const events = readAll(readyCommand('DEALER', Buffer.from('me')), []);
    assert.equal(events.length, 1);
    const [ready] = events;
    assert.ok(ready?.kind === 'command' && ready.name === 'READY');
    const properties = parseProperties(ready.body);
    assert.equal(properties.get('Socket-Type')?.toString(), 'DEALER');
    assert.equal(properties.get('Identity')?.toString(), 'me');
    assert.throws(() => parseProperties(ready.body.subarray(0, ready.body.length - 1)), /cut short/);
  });

  it('reads multipart messages and commands however the bytes are cut, short and long frames alike', () => {
    const long = Buffer.alloc(70_000, 7);
    const bytes = Buffer.concat([
      encodeMessage([Buffer.alloc(0), Buffer.from('hello')]),
      encodeCommand('PING', Buffer.from([0, 10, 1, 2])),
      encodeMessage([Buffer.from('id'), Buffer.alloc(0), long]),
      encodeMessage([Buffer.alloc(255, 1)]),
      encodeMessage([Buffer.alloc(256, 2)]),
    ]);
    const expected = (events: ZmtpEvent[]) => {
      assert.equal(events.length, 5);
      assert.deepEqual(events[0], { kind: 'message', frames: [Buffer.alloc(0), Buffer.from('hello')] });
      assert.deepEqual(events[1], { kind: 'command', name: 'PING', body: Buffer.from([0, 10, 1, 2]) });
      assert.ok(events[2]?.kind === 'message');
      assert.deepEqual(events[2].frames.map((f) => f.length), [2, 0, 70_000]);
      assert.ok(events[2].frames[2]!.equals(long));
      assert.ok(events[3]?.kind === 'message' && events[3].frames[0]!.equals(Buffer.alloc(255, 1)));
      assert.ok(events[4]?.kind === 'message' && events[4].frames[0]!.equals(Buffer.alloc(256, 2)));
    };
    expected(readAll(bytes, []));
    expected(readAll(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))); // one byte at a time
    expected(readAll(bytes, [1, 9, 10, 7_000, 70_010, 70_020]));
  });

  it('refuses a message over the limit from its header, before buffering its body', () => {
    const reader = new FrameReader(1_000);
    const big = encodeMessage([Buffer.alloc(600), Buffer.alloc(600)]); // long frames: 9-byte headers
    assert.throws(() => reader.push(big.subarray(0, 618), () => {}), /over 1000 bytes/);
    const header = encodeMessage([Buffer.alloc(5_000)]).subarray(0, 9);
    assert.throws(() => new FrameReader(1_000).push(header, () => {}), /over 1000 bytes/);
    // 2^32 + 10 bytes: the low word alone would pass
    const huge = Buffer.from([0x02, 0, 0, 0, 1, 0, 0, 0, 10]);
    assert.throws(() => new FrameReader(1_000).push(huge, () => {}), /over 1000 bytes/);
  });
});
