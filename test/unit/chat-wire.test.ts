import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExtData, decode, encode } from '@msgpack/msgpack';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  MAX_NESTING,
  WireError,
  decodeChatMessage,
  encodeChatMessage,
} from '../../src/systems/chat/zmq/wire/chat-message.ts';
import { decodePublication, encodePublication } from '../../src/systems/chat/zmq/wire/publication.ts';

const login = { service: 'login', data: { user: 'ana', timestamp: 1_733_000_000.25, clock: 7, id: 'b1f0', tags: ['a', 'ç'], nested: { ok: true, none: null } } };

function rejects(frame: Uint8Array, reason: RegExp, maxBytes?: number): void {
  assert.throws(
    () => decodeChatMessage(frame, maxBytes),
    (err: unknown) => err instanceof WireError && reason.test(err.message),
  );
}

describe('chat wire: {service, data} messages', () => {
  it('round-trips a message, and writes a plain MessagePack map any library reads', () => {
    const frame = encodeChatMessage(login);
    assert.ok(Buffer.isBuffer(frame));
    assert.deepEqual(decodeChatMessage(frame), login);
    assert.deepEqual(decode(frame), login);
  });

  it('leaves out undefined fields instead of sending nil', () => {
    const decoded = decodeChatMessage(encodeChatMessage({ service: 'rank', data: { user: 's1', address: undefined } }));
    assert.deepEqual(decoded, { service: 'rank', data: { user: 's1' } });
  });

  it('reads what another client wrote, extra top-level keys ignored', () => {
    const frame = encode({ service: 'users', data: { timestamp: 1 }, extra: 'x' });
    assert.deepEqual(decodeChatMessage(frame), { service: 'users', data: { timestamp: 1 } });
  });

  it('rejects a frame above the size limit, and takes one at the limit', () => {
    const atDefault = encodeChatMessage({ service: 'publish', data: { message: 'x'.repeat(DEFAULT_MAX_MESSAGE_BYTES) } });
    rejects(atDefault, /above the limit of 65536/);
    const small = encodeChatMessage({ service: 'x', data: {} });
    assert.deepEqual(decodeChatMessage(small, small.byteLength), { service: 'x', data: {} });
    rejects(small, /above the limit/, small.byteLength - 1);
  });

  it('rejects bytes that are not MessagePack, truncated frames and trailing bytes', () => {
    rejects(Buffer.from([0xc1]), /not MessagePack/); // 0xc1 is never used
    rejects(Buffer.from('{"service":"login","data":{}}'), /not MessagePack/); // JSON
    rejects(Buffer.alloc(0), /not MessagePack/);
    const frame = encodeChatMessage(login);
    for (let length = 0; length < frame.byteLength; length++) rejects(frame.subarray(0, length), /not MessagePack/);
    rejects(Buffer.concat([frame, Buffer.from([0x01])]), /not MessagePack/);
  });

  it('rejects MessagePack that is not a map', () => {
    rejects(encode([1, 2]), /must be a MessagePack map, got an array/);
    rejects(encode('login'), /must be a MessagePack map, got a string/);
    rejects(encode(null), /must be a MessagePack map, got nil/);
    rejects(encode(new Uint8Array([1, 2])), /must be a MessagePack map, got binary/);
  });

  it('rejects a service that is not a non-empty string', () => {
    for (const service of [5, null, ['login'], { name: 'login' }, '', undefined]) {
      rejects(encode({ service, data: {} }), /"service" must be a non-empty string/);
    }
  });

  it('rejects data that is not a map', () => {
    for (const data of [[1], 'x', null, 3, undefined, new Uint8Array([1])]) {
      rejects(encode({ service: 'login', data }), /"data" must be a map/);
    }
  });

  it('rejects extension types, timestamps included', () => {
    rejects(encode({ service: 'login', data: { at: new Date() } }), /extension type -1 is not accepted/);
    rejects(encode({ service: 'login', data: { x: new ExtData(7, new Uint8Array([1])) } }), /extension type 7/);
  });

  it('rejects deep nesting, and takes nesting up to the limit', () => {
    const nested = (depth: number) => {
      let value: unknown = 'leaf';
      for (let i = 0; i < depth; i++) value = [value];
      return value;
    };
    // The message map and data are two levels; the arrays inside take the rest.
    assert.ok(decodeChatMessage(encode({ service: 's', data: { v: nested(MAX_NESTING - 2) } })));
    rejects(encode({ service: 's', data: { v: nested(MAX_NESTING - 1) } }), /nests .* more than 32 deep/);
    // 60 000 nested fixarrays: small on the wire, deadly to recursive code.
    const prefix = encode({ service: 's', data: { v: 0 } }).subarray(0, -1);
    rejects(Buffer.concat([prefix, Buffer.alloc(60_000, 0x91), Buffer.from([0xc0])]), /nests/);
  });

  it('throws nothing but WireError on arbitrary bytes', () => {
    let seed = 12_345;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const valid = encodeChatMessage(login);
    for (let round = 0; round < 3_000; round++) {
      const bytes = round % 2 === 0 ? Buffer.from(valid) : Buffer.alloc(1 + Math.floor(random() * 64));
      for (let i = 0; i < bytes.length; i++) if (round % 2 === 1 || random() < 0.05) bytes[i] = Math.floor(random() * 256);
      try {
        const message = decodeChatMessage(bytes);
        assert.equal(typeof message.service, 'string');
        assert.equal(typeof message.data, 'object');
      } catch (err) {
        assert.ok(err instanceof WireError, `${(err as Error).name}: ${(err as Error).message}`);
      }
    }
  });
});

describe('chat wire: publications', () => {
  it('round-trips [topic, payload] frames', () => {
    const frames = encodePublication('geral', { user: 'ana', message: 'olá', clock: 3, none: undefined });
    assert.equal(frames.length, 2);
    assert.equal(frames[0].toString('utf8'), 'geral');
    assert.deepEqual(decodePublication(frames), { topic: 'geral', payload: { user: 'ana', message: 'olá', clock: 3 } });
    assert.deepEqual(decodePublication(encodePublication('canção', {})), { topic: 'canção', payload: {} });
  });

  it('gives undefined for frames that are not a publication', () => {
    const [topic, payload] = encodePublication('geral', { user: 'ana' });
    assert.equal(decodePublication([topic]), undefined);
    assert.equal(decodePublication([topic, payload, payload]), undefined);
    assert.equal(decodePublication([topic, Buffer.from([0xc1])]), undefined);
    assert.equal(decodePublication([topic, Buffer.from(encode([1]))]), undefined);
    assert.equal(decodePublication([topic, payload.subarray(0, -1)]), undefined);
  });
});
