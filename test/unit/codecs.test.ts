import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode } from '@msgpack/msgpack';
import { codecByName, codecForContentType, decodeBody, jsonCodec, msgpackCodec } from '../../src/kit/bus/codecs.ts';
import { DecodeError } from '../../src/kit/bus/errors.ts';

describe('codecs', () => {
  it('round-trips JSON and MessagePack', () => {
    const value = { region: 'Sudeste', total: 12.5, tags: ['a', 'b'], nested: { ok: true } };
    assert.deepEqual(jsonCodec.decode(jsonCodec.encode(value)), value);
    assert.deepEqual(msgpackCodec.decode(msgpackCodec.encode(value)), value);
  });

  it('writes plain MessagePack maps that another library reads', () => {
    // The reference encoding of {service:'login', data:{user:'ana'}}: fixmap(2), fixstr keys and values.
    const expected = Buffer.from('82a7736572766963' + '65a56c6f67696ea464617461' + '81a475736572a3616e61', 'hex');
    assert.deepEqual(Buffer.from(msgpackCodec.encode({ service: 'login', data: { user: 'ana' } })), expected);
    assert.deepEqual(decode(expected), {
      service: 'login',
      data: { user: 'ana' },
    });
  });

  it('picks the reader by content type, JSON when there is none', () => {
    assert.equal(codecForContentType('application/json; charset=utf-8').name, 'json');
    assert.equal(codecForContentType('application/x-msgpack').name, 'msgpack');
    assert.equal(codecForContentType(undefined).name, 'json');
    assert.equal(codecForContentType('').name, 'json');
    assert.equal(codecForContentType('text/plain').name, 'text');
    assert.equal(codecForContentType('image/png').name, 'raw');
  });

  it('turns undecodable bodies into a DecodeError that says what was wrong', () => {
    assert.throws(() => decodeBody('application/json', new TextEncoder().encode('{"broken":')), (err: unknown) => {
      assert.ok(err instanceof DecodeError);
      assert.match(err.message, /not valid json/);
      return true;
    });
    assert.throws(() => decodeBody('application/msgpack', new Uint8Array([0x92, 0x01])), DecodeError);
    assert.throws(() => decodeBody('application/json', new Uint8Array([0xff, 0xfe])), DecodeError);
  });

  it('names the codecs it knows when asked for another', () => {
    assert.throws(() => codecByName('xml' as 'json'), /use json, msgpack or raw/);
  });
});
