/**
 * A MessagePack decoder for messages that arrive from the network: plain data only. Strings come from Node's
 * native UTF-8 decoder; @msgpack/msgpack decodes each string under 200 bytes in JavaScript, through an array of
 * code units, which was a fifth of everything a chat server allocated. It also bounds nesting as it goes,
 * so no second pass over the value is needed.
 */

export class MessagePackError extends Error {}

/** Buffer's own slicers, without toString()'s argument checks, which cost more than the copy for short strings. */
type NativeSlices = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };
/** Up to this many bytes, a string that is all ASCII is copied as Latin-1, the cheapest string V8 makes. */
const SHORT_STRING_BYTES = 64;

/** An extension type (timestamps included): the caller's protocol has no place for one. */
export class MessagePackExtensionError extends MessagePackError {
  constructor(readonly type: number) {
    super(`MessagePack extension type ${type} is not accepted: send maps, arrays, strings, numbers, booleans and nil`);
  }
}

export class MessagePackDepthError extends MessagePackError {
  constructor(readonly maxDepth: number) {
    super(`maps and arrays nest more than ${maxDepth} deep`);
  }
}

export interface DecodeOptions {
  /** Maps and arrays nested deeper than this throw; the value itself is depth 1. */
  maxDepth: number;
}

class Reader {
  pos = 0;

  constructor(
    readonly bytes: Buffer,
    readonly maxDepth: number,
  ) {}

  value(depth: number): unknown {
    const head = this.#u8();
    if (head <= 0x7f) return head;
    if (head >= 0xe0) return head - 0x100;
    if (head >= 0xa0 && head <= 0xbf) return this.#string(head & 0x1f);
    if (head >= 0x90 && head <= 0x9f) return this.#array(head & 0x0f, depth);
    if (head >= 0x80 && head <= 0x8f) return this.#map(head & 0x0f, depth);
    const view = this.bytes;
    switch (head) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.#binary(this.#u8());
      case 0xc5:
        return this.#binary(this.#u16());
      case 0xc6:
        return this.#binary(this.#u32());
      case 0xca:
        return view.readFloatBE(this.#advance(4));
      case 0xcb:
        return view.readDoubleBE(this.#advance(8));
      case 0xcc:
        return this.#u8();
      case 0xcd:
        return this.#u16();
      case 0xce:
        return this.#u32();
      case 0xcf: {
        const at = this.#advance(8);
        return view.readUInt32BE(at) * 2 ** 32 + view.readUInt32BE(at + 4);
      }
      case 0xd0:
        return view.readInt8(this.#advance(1));
      case 0xd1:
        return view.readInt16BE(this.#advance(2));
      case 0xd2:
        return view.readInt32BE(this.#advance(4));
      case 0xd3: {
        const at = this.#advance(8);
        return view.readInt32BE(at) * 2 ** 32 + view.readUInt32BE(at + 4);
      }
      case 0xd9:
        return this.#string(this.#u8());
      case 0xda:
        return this.#string(this.#u16());
      case 0xdb:
        return this.#string(this.#u32());
      case 0xdc:
        return this.#array(this.#u16(), depth);
      case 0xdd:
        return this.#array(this.#u32(), depth);
      case 0xde:
        return this.#map(this.#u16(), depth);
      case 0xdf:
        return this.#map(this.#u32(), depth);
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        throw new MessagePackExtensionError(view.readInt8(this.#advance(1)));
      case 0xc7:
      case 0xc8:
      case 0xc9:
        this.#advance(head === 0xc7 ? 1 : head === 0xc8 ? 2 : 4);
        throw new MessagePackExtensionError(view.readInt8(this.#advance(1)));
      default:
        throw new MessagePackError(`byte 0x${head.toString(16)} at ${this.pos - 1} is no MessagePack type`);
    }
  }

  /** Where the next n bytes start; throws when the input ends before them. */
  #advance(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length) throw new MessagePackError(`the input ends at byte ${this.bytes.length}, in the middle of a value`);
    this.pos = at + n;
    return at;
  }

  #u8(): number {
    return this.bytes[this.#advance(1)]!;
  }

  #u16(): number {
    return this.bytes.readUInt16BE(this.#advance(2));
  }

  #u32(): number {
    return this.bytes.readUInt32BE(this.#advance(4));
  }

  #string(length: number): string {
    const at = this.#advance(length);
    const bytes = this.bytes as NativeSlices;
    const end = at + length;
    if (length <= SHORT_STRING_BYTES) {
      let ascii = true;
      for (let i = at; i < end; i++) if (bytes[i]! > 0x7f) ascii = false;
      if (ascii) return bytes.latin1Slice(at, end);
    }
    return bytes.utf8Slice(at, end);
  }

  #binary(length: number): Buffer {
    const at = this.#advance(length);
    return this.bytes.subarray(at, at + length);
  }

  /** Every element takes a byte at least: a count beyond what is left is refused before anything is built. */
  #fits(elements: number, what: string): void {
    if (elements > this.bytes.length - this.pos) throw new MessagePackError(`${what} cannot fit in the ${this.bytes.length - this.pos} bytes left`);
  }

  #nested(depth: number): number {
    if (depth >= this.maxDepth) throw new MessagePackDepthError(this.maxDepth);
    return depth + 1;
  }

  #array(length: number, depth: number): unknown[] {
    this.#fits(length, `an array of ${length} entries`);
    const inner = this.#nested(depth);
    const array: unknown[] = [];
    for (let i = 0; i < length; i++) array.push(this.value(inner));
    return array;
  }

  #map(size: number, depth: number): Record<string, unknown> {
    this.#fits(size * 2, `a map of ${size} pairs`);
    const inner = this.#nested(depth);
    const map: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) {
      const key = this.#key();
      if (key === '__proto__') throw new MessagePackError('the map key __proto__ is not allowed');
      map[key] = this.value(inner);
    }
    return map;
  }

  /** A string or a number, as JavaScript objects take them. */
  #key(): string {
    const head = this.bytes[this.pos];
    if (head !== undefined && head >= 0xa0 && head <= 0xbf) {
      this.pos++;
      return this.#string(head & 0x1f);
    }
    const container = head !== undefined && ((head >= 0x80 && head <= 0x9f) || (head >= 0xdc && head <= 0xdf));
    const key = container ? undefined : this.value(this.maxDepth);
    if (typeof key === 'string' || typeof key === 'number') return String(key);
    throw new MessagePackError(`a map key must be a string or a number, not ${container ? 'a map or an array' : key === null ? 'nil' : typeof key}`);
  }
}

/** The one value in bytes; throws a MessagePackError when they hold anything else, or more. */
export function decodeMessagePack(bytes: Uint8Array, options: DecodeOptions): unknown {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new Reader(buffer, options.maxDepth);
  const value = reader.value(0);
  if (reader.pos !== buffer.length) throw new MessagePackError(`${buffer.length - reader.pos} bytes follow the value`);
  return value;
}
