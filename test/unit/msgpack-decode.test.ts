import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExtData, decode, encode } from '@msgpack/msgpack';
import { MessagePackDepthError, MessagePackError, MessagePackExtensionError, decodeMessagePack } from '../../src/kit/zmtp/msgpack-decode.ts';

const read = (bytes: Uint8Array, maxDepth = 32) => decodeMessagePack(bytes, { maxDepth });

/** Binary comes back as a Buffer view here and a Uint8Array there: compare bytes, not classes. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

describe('decodeMessagePack', () => {
  it('reads every type at its size boundaries as @msgpack/msgpack does', () => {
    const ints = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, -1, -32, -33, -128, -129, -32_768, -32_769, -(2 ** 31), -(2 ** 31) - 1, Number.MIN_SAFE_INTEGER];
    const strings = ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'y'.repeat(255), 'z'.repeat(256), 'w'.repeat(70_000), 'ç', 'canção 🎉', 'é'.repeat(40), '\u0000nul'];
    const values: unknown[] = [
      null, true, false, 0.5, -1.25e300, Math.PI, ...ints, ...strings,
      [], Array.from({ length: 15 }, (_, i) => i), Array.from({ length: 16 }, (_, i) => `s${i}`), Array.from({ length: 70_000 }, (_, i) => i % 3),
      {}, Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])), Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, [i]])),
      new Uint8Array([]), new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(7), new Uint8Array(70_000).fill(9),
      { service: 'replicate', data: { ops: [{ id: 'b1f0', clock: 3, at: 1_764_684_000.123, message: 'olá' }], clock: 9 } },
    ];
    for (const value of values) {
      const bytes = encode(value);
      assert.deepEqual(plain(read(bytes)), plain(decode(bytes)), `${JSON.stringify(value)?.slice(0, 60)}`);
    }
  });

  it('reads float32, and 64-bit integers as numbers', () => {
    assert.equal(read(Buffer.from([0xca, 0x3f, 0xc0, 0x00, 0x00])), 1.5);
    assert.equal(read(Buffer.from([0xcf, 0, 0, 0, 1, 0, 0, 0, 2])), 2 ** 32 + 2);
    assert.equal(read(Buffer.from([0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe])), -2);
  });

  it('takes number keys as JavaScript objects do, and refuses other keys and __proto__', () => {
    assert.deepEqual(read(Buffer.from([0x81, 0x05, 0xa1, 0x78])), { 5: 'x' });
    assert.throws(() => read(Buffer.from([0x81, 0x90, 0x01])), (err: Error) => err instanceof MessagePackError && /key must be a string or a number, not a map or an array/.test(err.message));
    assert.throws(() => read(Buffer.from([0x81, 0xc0, 0x01])), /key must be a string or a number, not nil/);
    const proto = Buffer.concat([Buffer.from([0x81, 0xa9]), Buffer.from('__proto__'), Buffer.from([0x80])]);
    assert.throws(() => read(proto), /__proto__ is not allowed/);
  });

  it('refuses every extension type, with its number', () => {
    for (const [bytes, type] of [
      [encode(new Date()), -1],
      [encode(new ExtData(7, new Uint8Array([1]))), 7],
      [encode(new ExtData(3, new Uint8Array(20))), 3], // ext 8
    ] as const) {
      assert.throws(() => read(bytes), (err: unknown) => err instanceof MessagePackExtensionError && err.type === type);
    }
  });

  it('refuses every truncation, trailing bytes and the unused type byte', () => {
    const bytes = encode({ service: 'x', data: { list: [1, 'two', 3.5, null], text: 'é'.repeat(40), big: 2 ** 40 } });
    for (let length = 0; length < bytes.length; length++) assert.throws(() => read(bytes.subarray(0, length)), MessagePackError);
    assert.throws(() => read(Buffer.concat([bytes, Buffer.from([0])])), /1 bytes follow the value/);
    assert.throws(() => read(Buffer.from([0xc1])), /0xc1 at 0 is no MessagePack type/);
  });

  it('refuses a count larger than the bytes left before building anything', () => {
    assert.throws(() => read(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01])), /array of 4294967295 entries cannot fit in the 1 bytes left/);
    assert.throws(() => read(Buffer.from([0xdf, 0x00, 0x01, 0x00, 0x00])), /map of 65536 pairs cannot fit in the 0 bytes left/);
  });

  it('bounds nesting as it reads, so that deep input cannot overflow the stack', () => {
    const nested = (depth: number) => {
      let value: unknown = 0;
      for (let i = 0; i < depth; i++) value = [value];
      return encode(value);
    };
    assert.equal(JSON.stringify(read(nested(4), 4)), '[[[[0]]]]');
    assert.throws(() => read(nested(5), 4), (err: unknown) => err instanceof MessagePackDepthError && err.maxDepth === 4);
    assert.throws(() => read(Buffer.concat([Buffer.alloc(100_000, 0x91), Buffer.from([0xc0])])), MessagePackDepthError);
  });

  it('reads a Uint8Array view at an offset, not only a Buffer', () => {
    const bytes = encode({ a: 'b' });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    assert.deepEqual(read(shifted.subarray(3)), { a: 'b' });
  });
});
