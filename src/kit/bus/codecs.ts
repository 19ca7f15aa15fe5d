import { Decoder, Encoder } from '@msgpack/msgpack';
import { DecodeError } from './errors.ts';

export interface Codec {
  readonly name: string;
  readonly contentType: string;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

export const jsonCodec: Codec = {
  name: 'json',
  contentType: 'application/json',
  // Buffer.from takes small bodies from Node's shared pool instead of a fresh ArrayBuffer each: far less GC.
  encode: (value) => Buffer.from(JSON.stringify(value) ?? ''),
  decode: (bytes) => JSON.parse(textDecoder.decode(bytes)),
};

// Plain MessagePack maps that any library in any language reads. Reused instances avoid per-call set-up.
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

export const msgpackCodec: Codec = {
  name: 'msgpack',
  contentType: 'application/msgpack',
  encode: (value) => encoder.encode(value),
  decode: (bytes) => decoder.decode(bytes),
};

export const rawCodec: Codec = {
  name: 'raw',
  contentType: 'application/octet-stream',
  encode: (value) => {
    if (value instanceof Uint8Array) return value;
    if (typeof value === 'string') return textEncoder.encode(value);
    throw new TypeError('the raw codec takes a Uint8Array or a string');
  },
  decode: (bytes) => bytes,
};

const byName = new Map<string, Codec>([
  ['json', jsonCodec],
  ['msgpack', msgpackCodec],
  ['raw', rawCodec],
]);
const byContentType = new Map<string, Codec>([
  ['application/json', jsonCodec],
  ['text/json', jsonCodec],
  ['application/msgpack', msgpackCodec],
  ['application/x-msgpack', msgpackCodec],
  ['application/vnd.msgpack', msgpackCodec],
  ['application/octet-stream', rawCodec],
]);

export type CodecName = 'json' | 'msgpack' | 'raw';

export function codecByName(name: CodecName | Codec): Codec {
  if (typeof name !== 'string') return name;
  const codec = byName.get(name);
  if (!codec) throw new Error(`unknown codec "${name}": use json, msgpack or raw`);
  return codec;
}

/**
 * The codec that reads a body of this content type. Plain clients often send JSON with no content type,
 * so an empty one reads as JSON.
 */
export function codecForContentType(contentType: string | undefined): Codec {
  if (!contentType) return jsonCodec;
  const exact = byContentType.get(contentType);
  if (exact) return exact;
  const base = contentType.split(';')[0]!.trim().toLowerCase();
  return byContentType.get(base) ?? (base.startsWith('text/') ? textCodec : rawCodec);
}

const textCodec: Codec = {
  name: 'text',
  contentType: 'text/plain',
  encode: (value) => textEncoder.encode(String(value)),
  decode: (bytes) => textDecoder.decode(bytes),
};

export function decodeBody(contentType: string | undefined, body: Uint8Array): unknown {
  const codec = codecForContentType(contentType);
  try {
    return codec.decode(body);
  } catch (err) {
    throw new DecodeError(`body is not valid ${codec.name}: ${(err as Error).message}`);
  }
}
