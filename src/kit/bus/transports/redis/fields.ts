import { randomUUID } from 'node:crypto';
import { msgpackCodec } from '../../codecs.ts';
import type { Envelope } from '../../envelope.ts';

/**
 * How an envelope looks on Redis, so any Redis client can take part without this library.
 *
 * Stream entries (queues) carry one field per envelope property:
 *   id, correlation_id, reply_to, headers (a JSON object of strings), timestamp (ms since the epoch),
 *   attempt, content_type, body (the raw bytes).
 * A plain client may XADD just `body` (plus `reply_to` and `correlation_id` for a request); every other
 * field has a default: id = the entry id, attempt 1, timestamp = the entry id's time, an empty content
 * type (read as JSON).
 *
 * Pub/Sub messages (topics and replies) have no fields, so the payload is a MessagePack map with the same
 * keys: id, correlation_id, reply_to, headers (a map of strings), timestamp and attempt (integers),
 * content_type, body (binary). A payload that is not such a map (say, bare JSON from PUBLISH) is taken
 * whole as the body, with an empty content type.
 */
export function toStreamFields(envelope: Envelope): Array<string | Buffer> {
  const fields: Array<string | Buffer> = ['id', envelope.id];
  if (envelope.correlationId !== undefined) fields.push('correlation_id', envelope.correlationId);
  if (envelope.replyTo !== undefined) fields.push('reply_to', envelope.replyTo);
  fields.push(
    'headers', JSON.stringify(envelope.headers),
    'timestamp', String(envelope.timestamp),
    'attempt', String(envelope.attempt),
    'content_type', envelope.contentType,
    'body', asBuffer(envelope.body),
  );
  return fields;
}

/** `fields` as Redis returns them: name, value, name, value… */
export function fromStreamFields(entryId: string, fields: Buffer[]): Envelope {
  const byName = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) byName.set(fields[i]!.toString('utf8'), fields[i + 1]!);
  return envelopeFrom((name) => byName.get(name), entryId, Number.parseInt(entryId, 10));
}

export function packMessage(envelope: Envelope): Buffer {
  const map: Record<string, unknown> = { id: envelope.id };
  if (envelope.correlationId !== undefined) map.correlation_id = envelope.correlationId;
  if (envelope.replyTo !== undefined) map.reply_to = envelope.replyTo;
  map.headers = envelope.headers;
  map.timestamp = envelope.timestamp;
  map.attempt = envelope.attempt;
  map.content_type = envelope.contentType;
  map.body = asBuffer(envelope.body);
  return asBuffer(msgpackCodec.encode(map));
}

export function unpackMessage(payload: Buffer): Envelope {
  let value: unknown;
  try {
    value = msgpackCodec.decode(payload);
  } catch {
    value = undefined;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && 'body' in value) {
    const map = value as Record<string, unknown>;
    return envelopeFrom((name) => (Object.hasOwn(map, name) ? map[name] : undefined), randomUUID(), Date.now());
  }
  return envelopeFrom((name) => (name === 'body' ? payload : undefined), randomUUID(), Date.now());
}

/**
 * Stream fields packed into one string for a sorted-set member: each item as `<byte length>:<bytes>`,
 * which the delayed-move Lua script unpacks. The first item is a unique token the script skips, so two
 * identical envelopes delayed at once stay two members.
 */
export function packFieldList(envelope: Envelope): Buffer {
  const items: Array<string | Buffer> = [`${envelope.id}/${randomUUID()}`, ...toStreamFields(envelope)];
  const parts: Buffer[] = [];
  for (const item of items) {
    const bytes = typeof item === 'string' ? Buffer.from(item, 'utf8') : item;
    parts.push(Buffer.from(`${bytes.length}:`, 'latin1'), bytes);
  }
  return Buffer.concat(parts);
}

function envelopeFrom(get: (name: string) => unknown, fallbackId: string, fallbackTimestamp: number): Envelope {
  return {
    id: text(get('id')) || fallbackId,
    correlationId: text(get('correlation_id')) || undefined,
    replyTo: text(get('reply_to')) || undefined,
    headers: headersOf(get('headers')),
    timestamp: integer(get('timestamp')) ?? (Number.isFinite(fallbackTimestamp) ? fallbackTimestamp : Date.now()),
    attempt: Math.max(1, integer(get('attempt')) ?? 1),
    contentType: text(get('content_type')) ?? '',
    body: bytesOf(get('body')),
  };
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return asBuffer(value).toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

function integer(value: unknown): number | undefined {
  const parsed = typeof value === 'number' ? value : Number.parseInt(text(value) ?? '', 10);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

function bytesOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return new Uint8Array(0);
}

/** Headers from a JSON string (stream) or a map (MessagePack); anything that is not a string is dropped. */
function headersOf(value: unknown): Record<string, string> {
  let parsed = value;
  if (typeof value === 'string' || value instanceof Uint8Array) {
    try {
      parsed = JSON.parse(text(value)!);
    } catch {
      return {};
    }
  }
  const headers: Record<string, string> = {};
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return headers;
  for (const [key, item] of Object.entries(parsed)) if (typeof item === 'string') headers[key] = item;
  return headers;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
