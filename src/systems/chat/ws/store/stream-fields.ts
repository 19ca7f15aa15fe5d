import { createHash } from 'node:crypto';
import { type LoggedEntry, type RoomMessage, isMessageId } from '../domain/room-message.ts';

/** room_name, user_id and username are VARCHAR(255) in PostgreSQL. */
export const MAX_NAME_LENGTH = 255;
/** payload and metadata each; a client's frame is at most 8 KiB, so this only stops what no server wrote. */
export const MAX_JSON_LENGTH = 64 * 1024;
/** The latest instant a JavaScript Date can hold, in ms. */
const MAX_TIME_MS = 8.64e15;

/**
 * A log entry as the fields of one stream entry: the reference's `room_name`, `user_id`, `username`,
 * `payload` (JSON) and `metadata` (JSON), plus `message_id`, `created_at` (ms), `kind` (message | edit) and,
 * for an edit or an edited message, `edited_at` (ms). An edit carries no username and no metadata.
 */
export function encodeEntry(logged: LoggedEntry): string[] {
  if (logged.kind === 'edit') {
    const { edit } = logged;
    return ['room_name', edit.room, 'user_id', edit.userId, 'payload', JSON.stringify(edit.payload), 'message_id', edit.messageId, 'kind', 'edit', 'edited_at', String(edit.editedAt)];
  }
  const { message } = logged;
  const fields = ['room_name', message.room, 'user_id', message.userId, 'username', message.username, 'payload', JSON.stringify(message.payload)];
  fields.push('metadata', JSON.stringify(message.metadata), 'message_id', message.messageId, 'created_at', String(message.createdAt), 'kind', 'message');
  if (message.editedAt !== undefined) fields.push('edited_at', String(message.editedAt));
  return fields;
}

/**
 * The entry's JSON fields as the stream held them, where they are the entry's own (not wrapped, not defaulted):
 * a writer passes them on as they are instead of serializing the parsed objects again.
 */
export interface EntryJson {
  payload?: string;
  metadata?: string;
}

/** What a stream entry turned out to be: an entry to persist, or the reason it must be parked instead. */
export type DecodedEntry = { entry: LoggedEntry; json: EntryJson; reason?: undefined } | { entry?: undefined; json?: undefined; reason: string };

const OBJECT_TEXT = /^\s*\{/;

class Malformed extends Error {}

/**
 * Reads the fields of stream entry `streamId` back into a log entry. An entry the reference's own server wrote
 * (no `kind`, no `message_id`) is a message: its id is derived from the stream id, so a redelivery keeps it,
 * its time is the stream id's, and a payload that is not an object is wrapped as a publish wraps it.
 */
export function decodeEntry(streamId: string, fields: ReadonlyMap<string, string>): DecodedEntry {
  try {
    const entry = readEntry(streamId, fields);
    const payload = fields.get('payload');
    const metadata = fields.get('metadata');
    // Parsed as an object, so the text starts with {; anything else was wrapped or defaulted.
    const json = { payload: payload !== undefined && OBJECT_TEXT.test(payload) ? payload : undefined, metadata: metadata !== undefined && OBJECT_TEXT.test(metadata) ? metadata : undefined };
    return { entry, json };
  } catch (err) {
    if (err instanceof Malformed) return { reason: err.message };
    throw err;
  }
}

/** Stream fields as Redis returns them (name, value, name, value…), as strings. */
export function fieldMap(flat: ReadonlyArray<Buffer | string>): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i]!.toString(), flat[i + 1]!.toString());
  return map;
}

function readEntry(streamId: string, fields: ReadonlyMap<string, string>): LoggedEntry {
  const kind = fields.get('kind');
  const rawId = fields.get('message_id');
  if (kind === undefined && rawId === undefined) return { kind: 'message', message: referenceMessage(streamId, fields) };
  const messageId = rawId ?? '';
  if (!isMessageId(messageId)) throw new Malformed(`message_id ${describe(rawId)} is not 32 lower-case hex characters`);
  const room = name(fields, 'room_name', true);
  const userId = name(fields, 'user_id', false);
  if (kind === 'edit') return { kind: 'edit', edit: { messageId, room, userId, payload: jsonObject(fields, 'payload'), editedAt: time(fields, 'edited_at') } };
  if (kind !== undefined && kind !== 'message') throw new Malformed(`kind ${describe(kind)} is neither message nor edit`);
  const message: RoomMessage = {
    messageId,
    room,
    userId,
    username: name(fields, 'username', false),
    payload: jsonObject(fields, 'payload'),
    metadata: fields.has('metadata') ? (jsonObjectOrNull(fields, 'metadata') ?? {}) : {},
    createdAt: time(fields, 'created_at'),
  };
  if (fields.has('edited_at')) message.editedAt = time(fields, 'edited_at');
  return { kind: 'message', message };
}

function referenceMessage(streamId: string, fields: ReadonlyMap<string, string>): RoomMessage {
  const createdAt = Number(streamId.split('-', 1)[0]);
  const payload = json(fields, 'payload');
  return {
    messageId: createdAt.toString(16).padStart(12, '0').slice(-12) + createHash('sha256').update(streamId).digest('hex').slice(0, 20),
    room: fields.get('room_name') || 'default',
    userId: name(fields, 'user_id', false),
    username: name(fields, 'username', false),
    payload: isObject(payload) ? payload : { message: payload, type: 'text' },
    metadata: (fields.has('metadata') ? jsonObjectOrNull(fields, 'metadata') : null) ?? {},
    createdAt,
  };
}

function name(fields: ReadonlyMap<string, string>, field: string, required: boolean): string {
  const value = fields.get(field) ?? '';
  if (required && value === '') throw new Malformed(`${field} is missing`);
  if (value.length > MAX_NAME_LENGTH && [...value].length > MAX_NAME_LENGTH) throw new Malformed(`${field} is longer than ${MAX_NAME_LENGTH} characters`);
  if (value.includes('\0')) throw new Malformed(`${field} contains a NUL character`);
  return value;
}

function time(fields: ReadonlyMap<string, string>, field: string): number {
  const raw = fields.get(field);
  const ms = Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(ms) || ms < 0 || ms > MAX_TIME_MS) throw new Malformed(`${field} ${describe(raw)} is not a time in ms since the epoch`);
  return ms;
}

function json(fields: ReadonlyMap<string, string>, field: string): unknown {
  const raw = fields.get(field);
  if (raw === undefined) throw new Malformed(`${field} is missing`);
  if (raw.length > MAX_JSON_LENGTH) throw new Malformed(`${field} is longer than ${MAX_JSON_LENGTH} characters`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new Malformed(`${field} is not JSON: ${(err as Error).message}`);
  }
  // jsonb holds neither U+0000 nor half a surrogate pair; look closer only when the text has such an escape.
  if (SUSPECT_ESCAPE.test(raw) && unstorable(value)) throw new Malformed(`${field} holds a NUL character or a lone surrogate, which PostgreSQL cannot store`);
  return value;
}

function jsonObject(fields: ReadonlyMap<string, string>, field: string): Record<string, unknown> {
  const value = json(fields, field);
  if (!isObject(value)) throw new Malformed(`${field} is not a JSON object`);
  return value;
}

function jsonObjectOrNull(fields: ReadonlyMap<string, string>, field: string): Record<string, unknown> | null {
  const value = json(fields, field);
  if (value !== null && !isObject(value)) throw new Malformed(`${field} is not a JSON object`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SUSPECT_ESCAPE = /\\u(0000|d[89a-f])/i;
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `text` with what PostgreSQL's text and jsonb refuse (NUL, lone surrogates) replaced by U+FFFD, for parking. */
export function storableText(text: string): string {
  return text.replace(new RegExp(UNSTORABLE.source, 'g'), '\uFFFD');
}

function unstorable(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.some(unstorable);
  if (isObject(value)) return Object.entries(value).some(([key, inner]) => UNSTORABLE.test(key) || unstorable(inner));
  return false;
}

function describe(raw: string | undefined): string {
  return raw === undefined ? '(missing)' : JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}
