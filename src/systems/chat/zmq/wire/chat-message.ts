import { Encoder } from '@msgpack/msgpack';
import { MessagePackDepthError, MessagePackExtensionError, decodeMessagePack } from '../../../../kit/zmtp/msgpack-decode.ts';

/** Every request and reply of the course's protocol: a MessagePack map `{service, data}`. */
export interface ChatMessage {
  service: string;
  data: Record<string, unknown>;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * What a server's sockets read whole: a message over the chat limit still arrives, so that it gets an erro with
 * the reason; one over this drops its connection instead, so that no peer can make a server buffer without bound.
 */
export const MAX_TRANSPORT_BYTES = 16 * 1024 * 1024;

/** How deep maps and arrays may nest: the protocol needs 3 or 4 levels, and code that walks a value recursively must not overflow the stack. */
export const MAX_NESTING = 32;

/** A frame that is not a valid message; the message is a reason fit to send back to whoever sent it. */
export class WireError extends Error {}

/** One encoder for the process: `encode()` would build a new one (and its buffer) for every message. */
const encoder = new Encoder({ ignoreUndefined: true });

export function encodeMessagePack(value: unknown): Buffer {
  return toBuffer(encoder.encode(value));
}

export function encodeChatMessage(message: ChatMessage): Buffer {
  return encodeMessagePack({ service: message.service, data: message.data });
}

export function decodeChatMessage(frame: Uint8Array, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): ChatMessage {
  const message = decodeMessagePackMap(frame, maxBytes);
  const { service, data } = message;
  if (typeof service !== 'string' || service === '') throw new WireError('"service" must be a non-empty string, as in {"service": "login", "data": {...}}');
  if (!isPlainMap(data)) throw new WireError(`"data" must be a map, as in {"service": "${clip(service)}", "data": {...}}`);
  return { service, data };
}

/** A MessagePack map of at most maxBytes, nested at most MAX_NESTING deep (checked as it is read, so deep input cannot overflow the stack); anything else throws a WireError. */
export function decodeMessagePackMap(frame: Uint8Array, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Record<string, unknown> {
  if (frame.byteLength > maxBytes) throw new WireError(`the message is ${frame.byteLength} bytes, above the limit of ${maxBytes}`);
  let value: unknown;
  try {
    value = decodeMessagePack(frame, { maxDepth: MAX_NESTING });
  } catch (err) {
    if (err instanceof MessagePackExtensionError) throw new WireError(err.message);
    if (err instanceof MessagePackDepthError) throw new WireError(`the message nests maps and arrays more than ${MAX_NESTING} deep`);
    throw new WireError(`the message is not MessagePack: ${(err as Error).message}`);
  }
  if (!isPlainMap(value)) throw new WireError(`the message must be a MessagePack map, got ${describe(value)}`);
  return value;
}

export function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function describe(value: unknown): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'binary data';
  return `a ${typeof value}`;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
