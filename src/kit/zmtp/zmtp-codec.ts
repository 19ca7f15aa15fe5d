/**
 * ZMTP 3.0 (rfc.zeromq.org/spec/23) with the NULL mechanism: the bytes libzmq's sockets speak on TCP.
 * A greeting of 64 bytes each way, a READY command naming the socket type, then frames: a flags byte
 * (MORE, LONG, COMMAND), a size of 1 or 8 bytes, and the body.
 */

export const GREETING_BYTES = 64;
const FLAG_MORE = 0x01;
const FLAG_LONG = 0x02;
const FLAG_COMMAND = 0x04;
const EMPTY = Buffer.alloc(0);

export type ZmtpSocketType = 'REQ' | 'REP' | 'DEALER' | 'ROUTER' | 'PUB' | 'SUB' | 'XPUB' | 'XSUB';

export class ZmtpProtocolError extends Error {}

/** Signature, version 3.0, mechanism NULL, as-server 0, filler. */
export function greeting(): Buffer {
  const bytes = Buffer.alloc(GREETING_BYTES);
  bytes[0] = 0xff;
  bytes[8] = 0x01; // ZMTP 1.0 peers read the padding as a length: libzmq sends 1 here too
  bytes[9] = 0x7f;
  bytes[10] = 3;
  bytes[11] = 0;
  bytes.write('NULL', 12, 'latin1');
  return bytes;
}

/** Checks a peer's greeting: ZMTP 3.x and the NULL mechanism, the only one spoken here. */
export function checkGreeting(bytes: Buffer): void {
  if (bytes[0] !== 0xff || bytes[9] !== 0x7f) throw new ZmtpProtocolError('the peer does not speak ZMTP (bad signature)');
  if (bytes[10]! < 3) throw new ZmtpProtocolError(`the peer speaks ZMTP ${bytes[10]}.${bytes[11]}; 3.0 or later is needed`);
  const mechanism = bytes.toString('latin1', 12, 32).replace(/\0+$/, '');
  if (mechanism !== 'NULL') throw new ZmtpProtocolError(`the peer asks for the ${mechanism} mechanism; only NULL is spoken here`);
}

/** A command frame: name length, name, body. */
export function encodeCommand(name: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const payload = Buffer.concat([Buffer.from([name.length]), Buffer.from(name, 'latin1'), body]);
  return Buffer.concat([frameHeader(payload.length, FLAG_COMMAND), payload]);
}

/** READY's metadata: the socket type, and an identity when there is one. */
export function readyCommand(socketType: ZmtpSocketType, identity?: Buffer): Buffer {
  const properties: Buffer[] = [property('Socket-Type', Buffer.from(socketType, 'latin1'))];
  if (identity && identity.length > 0) properties.push(property('Identity', identity));
  return encodeCommand('READY', Buffer.concat(properties));
}

function property(name: string, value: Buffer): Buffer {
  const head = Buffer.alloc(1 + name.length + 4);
  head[0] = name.length;
  head.write(name, 1, 'latin1');
  head.writeUInt32BE(value.length, 1 + name.length);
  return Buffer.concat([head, value]);
}

/** READY's properties, by name (case as sent). */
export function parseProperties(body: Buffer): Map<string, Buffer> {
  const properties = new Map<string, Buffer>();
  let at = 0;
  while (at < body.length) {
    const nameLength = body[at]!;
    if (at + 1 + nameLength + 4 > body.length) throw new ZmtpProtocolError('READY metadata is cut short');
    const name = body.toString('latin1', at + 1, at + 1 + nameLength);
    const valueLength = body.readUInt32BE(at + 1 + nameLength);
    const start = at + 1 + nameLength + 4;
    if (start + valueLength > body.length) throw new ZmtpProtocolError(`READY property ${name} is cut short`);
    properties.set(name, body.subarray(start, start + valueLength));
    at = start + valueLength;
  }
  return properties;
}

function frameHeader(size: number, flags: number): Buffer {
  if (size < 256) return Buffer.from([flags, size]);
  const header = Buffer.alloc(9);
  header[0] = flags | FLAG_LONG;
  header.writeUInt32BE(Math.floor(size / 2 ** 32), 1);
  header.writeUInt32BE(size >>> 0, 5);
  return header;
}

/** A multipart message as one buffer: every frame but the last carries MORE. */
export function encodeMessage(frames: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const frame of frames) total += (frame.length < 256 ? 2 : 9) + frame.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    const more = i < frames.length - 1 ? FLAG_MORE : 0;
    if (frame.length < 256) {
      out[at++] = more;
      out[at++] = frame.length;
    } else {
      out[at++] = more | FLAG_LONG;
      out.writeUInt32BE(Math.floor(frame.length / 2 ** 32), at);
      out.writeUInt32BE(frame.length >>> 0, at + 4);
      at += 8;
    }
    out.set(frame, at);
    at += frame.length;
  }
  return out;
}

export type ZmtpEvent = { kind: 'message'; frames: Buffer[] } | { kind: 'command'; name: string; body: Buffer };

/**
 * Turns the bytes after the greeting into messages and commands, however TCP cut them. A message larger than
 * maxMessageBytes is a protocol error, raised from its frame header, before its bytes are buffered.
 */
export class FrameReader {
  #pending: Buffer = EMPTY;
  #frames: Buffer[] = [];
  #bytes = 0;

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Buffer, emit: (event: ZmtpEvent) => void): void {
    const buffer = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let at = 0;
    for (;;) {
      if (buffer.length - at < 2) break;
      const flags = buffer[at]!;
      const long = (flags & FLAG_LONG) !== 0;
      const headerBytes = long ? 9 : 2;
      if (buffer.length - at < headerBytes) break;
      // Read as numbers, not a BigInt: one BigInt per frame was a heap object per frame on every hop. A size
      // with its high 32 bits set is over any limit.
      const size = long ? (buffer.readUInt32BE(at + 1) === 0 ? buffer.readUInt32BE(at + 5) : Infinity) : buffer[at + 1]!;
      if (size > this.maxMessageBytes || this.#bytes + size > this.maxMessageBytes) {
        throw new ZmtpProtocolError(`a message over ${this.maxMessageBytes} bytes came in`);
      }
      if (buffer.length - at < headerBytes + size) break;
      const body = buffer.subarray(at + headerBytes, at + headerBytes + size);
      at += headerBytes + size;
      if (flags & FLAG_COMMAND) {
        const nameLength = body[0] ?? 0;
        emit({ kind: 'command', name: body.toString('latin1', 1, 1 + nameLength), body: body.subarray(1 + nameLength) });
        continue;
      }
      this.#frames.push(body);
      this.#bytes += size;
      if (!(flags & FLAG_MORE)) {
        const frames = this.#frames;
        this.#frames = [];
        this.#bytes = 0;
        emit({ kind: 'message', frames });
      }
    }
    // Frames handed out are views of `buffer`; what is left is copied so they do not pin it forever.
    this.#pending = at === buffer.length ? EMPTY : Buffer.from(buffer.subarray(at));
  }
}
