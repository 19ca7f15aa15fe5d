import { isMessageId } from './room-message.ts';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, NAME_MAX_LENGTH } from './limits.ts';

/** Who a connection speaks as: `sub` and `name` of its token, or the `user` object an anonymous client sends. */
export interface ChatUser {
  id: string;
  username: string;
}

export const CLIENT_TYPES = ['subscribe', 'unsubscribe', 'publish', 'presence', 'typing', 'read_receipt', 'direct_msg', 'edit_message'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

interface FrameBase {
  /** The `user` object when the frame carried one; it replaces the connection's user (anonymous mode). */
  user?: ChatUser;
}

export type ClientFrame =
  | (FrameBase & { type: 'subscribe'; room: string; history: boolean; limit: number; since?: string })
  | (FrameBase & { type: 'unsubscribe'; room: string })
  /** `payload` already wrapped (see wrapPayload). */
  | (FrameBase & { type: 'publish'; room: string; payload: Record<string, unknown> })
  | (FrameBase & { type: 'presence'; room: string })
  | (FrameBase & { type: 'typing'; room: string; isTyping: boolean })
  | (FrameBase & { type: 'read_receipt'; room: string; messageId: string })
  | (FrameBase & { type: 'direct_msg'; toUserId: string; payload: unknown })
  | (FrameBase & { type: 'edit_message'; room: string; messageId: string; payload: Record<string, unknown> });

/** Why a frame was refused; `type` is the frame's own type when it had a known one. */
export interface FrameProblem {
  code: 'bad_json' | 'not_an_object' | 'unknown_type' | 'missing_room' | 'bad_room' | 'missing_payload' | 'bad_field' | 'bad_user' | 'binary_frame';
  error: string;
  type?: ClientType;
}

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; problem: FrameProblem };

const CONTROL = /\p{Cc}/u;
const KNOWN = new Set<string>(CLIENT_TYPES);

class Refusal {
  constructor(readonly problem: Omit<FrameProblem, 'type'>) {}
}

/**
 * A client's text frame as one of the reference's eight types, validated: every field it needs, of the right
 * kind and size. Anything else is a FrameProblem whose `error` says what to send instead.
 */
export function parseClientFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse({ code: 'bad_json', error: 'the frame is not JSON: send one JSON object per text frame, as {"type":"subscribe","room":"general"}' });
  }
  if (!isObject(value)) return refuse({ code: 'not_an_object', error: 'the frame must be a JSON object with a "type"' });
  const type = value.type;
  if (typeof type !== 'string' || !KNOWN.has(type)) {
    const said = typeof type === 'string' ? `"${type.slice(0, 40)}"` : 'missing';
    return refuse({ code: 'unknown_type', error: `unknown type ${said}: use one of ${CLIENT_TYPES.join(', ')}` });
  }
  try {
    return { ok: true, frame: frameOf(type as ClientType, value) };
  } catch (err) {
    if (err instanceof Refusal) return refuse({ ...err.problem, type: type as ClientType });
    throw err;
  }
}

function frameOf(type: ClientType, value: Record<string, unknown>): ClientFrame {
  const base: FrameBase = value.user === undefined || value.user === null ? {} : { user: userOf(value.user) };
  switch (type) {
    case 'subscribe':
      return { ...base, type, room: roomOf(value), ...subscribeOptions(value.options) };
    case 'unsubscribe':
    case 'presence':
      return { ...base, type, room: roomOf(value) };
    case 'publish':
      return { ...base, type, room: roomOf(value), payload: wrapPayload(payloadOf(value, type)) };
    case 'typing': {
      const isTyping = value.isTyping ?? false;
      if (typeof isTyping !== 'boolean') throw new Refusal({ code: 'bad_field', error: 'isTyping takes true or false' });
      return { ...base, type, room: roomOf(value), isTyping };
    }
    case 'read_receipt':
      return { ...base, type, room: roomOf(value), messageId: messageIdOf(value) };
    case 'direct_msg':
      return { ...base, type, toUserId: nameOf(value.toUserId, 'toUserId', 'bad_field'), payload: payloadOf(value, type) };
    case 'edit_message':
      return { ...base, type, room: roomOf(value), messageId: messageIdOf(value), payload: wrapPayload(payloadOf(value, type)) };
  }
}

/**
 * The reference's wrapping rule: a payload that is an object with a `message` key is kept as it is; anything
 * else (an object without one, a string, a number, an array) becomes `{ message: <payload>, type: "text" }`.
 */
export function wrapPayload(payload: unknown): Record<string, unknown> {
  if (isObject(payload) && Object.hasOwn(payload, 'message')) return payload;
  return { message: payload, type: 'text' };
}

function subscribeOptions(options: unknown): { history: boolean; limit: number; since?: string } {
  if (options === undefined || options === null) return { history: false, limit: DEFAULT_HISTORY_LIMIT };
  if (!isObject(options)) throw new Refusal({ code: 'bad_field', error: 'options takes an object: {"history":true,"limit":50}' });
  const history = options.history ?? false;
  if (typeof history !== 'boolean') throw new Refusal({ code: 'bad_field', error: 'options.history takes true or false' });
  const limit = options.limit ?? 0;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) throw new Refusal({ code: 'bad_field', error: `options.limit takes a whole number from 0 (the default, ${DEFAULT_HISTORY_LIMIT}) up` });
  const result = { history, limit: limit === 0 ? DEFAULT_HISTORY_LIMIT : Math.min(limit, MAX_HISTORY_LIMIT) };
  if (options.since === undefined || options.since === null) return result;
  if (!isMessageId(options.since)) throw new Refusal({ code: 'bad_field', error: 'options.since takes the messageId of the last message you received (32 hex characters)' });
  return { ...result, since: options.since };
}

function roomOf(value: Record<string, unknown>): string {
  if (value.room === undefined || value.room === null || value.room === '') throw new Refusal({ code: 'missing_room', error: 'this type needs a "room"' });
  return nameOf(value.room, 'room', 'bad_room');
}

function payloadOf(value: Record<string, unknown>, type: ClientType): unknown {
  if (value.payload === undefined || value.payload === null) throw new Refusal({ code: 'missing_payload', error: `${type} needs a "payload", as {"message":"hello"}` });
  return value.payload;
}

function messageIdOf(value: Record<string, unknown>): string {
  if (!isMessageId(value.messageId)) throw new Refusal({ code: 'bad_field', error: 'messageId takes a message id as the server sent it (32 hex characters)' });
  return value.messageId;
}

function userOf(user: unknown): ChatUser {
  if (!isObject(user)) throw new Refusal({ code: 'bad_user', error: 'user takes an object: {"id":"u1","username":"ana"}' });
  const id = typeof user.id === 'number' && Number.isFinite(user.id) ? String(user.id) : user.id;
  return { id: nameOf(id, 'user.id', 'bad_user'), username: nameOf(user.username, 'user.username', 'bad_user') };
}

function nameOf(value: unknown, field: string, code: FrameProblem['code']): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Refusal({ code, error: `${field} takes a non-empty string` });
  if ([...value].length > NAME_MAX_LENGTH) throw new Refusal({ code, error: `${field} has at most ${NAME_MAX_LENGTH} characters` });
  if (CONTROL.test(value)) throw new Refusal({ code, error: `${field} must not contain control characters` });
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuse(problem: FrameProblem): ParsedFrame {
  return { ok: false, problem };
}
