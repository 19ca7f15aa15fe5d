import { createHash } from 'node:crypto';
import type { ChatUser } from '../../ws/domain/client-frames.ts';
import { parseTimestamp } from '../../domain/timestamp.ts';

/**
 * How the two front doors see each other's users and writes. A ZeroMQ user named N is, on the WebSocket side,
 * the user {id: "zmq:N", username: N}: WebSocket clients send it direct messages as toUserId "zmq:N". A
 * WebSocket user is, on the ZeroMQ side, its username: the bridge logs it in under that name, publishes as it,
 * and ZeroMQ users send it direct messages by that name.
 */
export const ZMQ_USER_PREFIX = 'zmq:';

/** Every write the bridge makes on the ZeroMQ side carries an id that starts so; it drops what comes back with one. */
export const BRIDGE_WRITE_PREFIX = 'ws:';

export function zmqUserOnWs(name: string): ChatUser {
  return { id: `${ZMQ_USER_PREFIX}${name}`, username: name };
}

/** The ZeroMQ name behind a WebSocket user id, when the id names a ZeroMQ user. */
export function zmqNameOf(wsUserId: string): string | undefined {
  return wsUserId.startsWith(ZMQ_USER_PREFIX) && wsUserId.length > ZMQ_USER_PREFIX.length ? wsUserId.slice(ZMQ_USER_PREFIX.length) : undefined;
}

/**
 * The id of a write the bridge makes. A room message's is derived from its messageId, so a resent request is
 * applied once by the ZeroMQ servers; a login's and a channel's from the name, so the bridge records each once.
 */
export function bridgeWriteId(kind: 'publish' | 'message' | 'login' | 'channel', key: string): string {
  return kind === 'publish' ? `${BRIDGE_WRITE_PREFIX}${key}` : `${BRIDGE_WRITE_PREFIX}${kind}:${key}`;
}

export function isBridgeWrite(id: unknown): boolean {
  return typeof id === 'string' && id.startsWith(BRIDGE_WRITE_PREFIX);
}

/**
 * A WebSocket message's text for the ZeroMQ side, whose messages are strings: the payload's `message` when it
 * is one, else that value (or the whole payload) as JSON.
 */
export function textOfPayload(payload: unknown): string {
  if (typeof payload === 'object' && payload !== null && 'message' in payload) {
    const message = (payload as Record<string, unknown>).message;
    return typeof message === 'string' ? message : JSON.stringify(message);
  }
  return typeof payload === 'string' ? payload : JSON.stringify(payload);
}

/** A ZeroMQ message as a WebSocket payload, as a publish of plain text is wrapped there. */
export function payloadOfText(text: string): Record<string, unknown> {
  return { message: text, type: 'text' };
}

/**
 * The WebSocket messageId of a ZeroMQ write: the write's time (12 hex of ms, so ids still sort by time) and 20 hex
 * of a hash of its id, so the same write republished (a server that died before answering) gets the same id.
 */
export function messageIdOfWrite(writeId: string, at: number): string {
  return at.toString(16).padStart(12, '0').slice(-12) + createHash('sha256').update(writeId).digest('hex').slice(0, 20);
}

/** A publication on the proxy, read as one of the chat's two kinds; anything else (the servers' own topic) is undefined. */
export type ZmqPost =
  | { kind: 'channel'; channel: string; user: string; message: string; id: string; at: number }
  | { kind: 'direct'; to: string; from: string; message: string; id: string; at: number };

export function readPublication(topic: string, payload: Record<string, unknown>): ZmqPost | undefined {
  const { user, channel, from, message, id } = payload;
  if (typeof message !== 'string' || typeof id !== 'string') return undefined;
  const at = parseTimestamp(payload.timestamp) ?? Date.now();
  if (typeof user === 'string' && typeof channel === 'string' && channel === topic) return { kind: 'channel', channel, user, message, id, at };
  if (typeof from === 'string') return { kind: 'direct', to: topic, from, message, id, at };
  return undefined;
}

/** What the bridge carries from the Bus's envelopes: room messages, direct messages to ZeroMQ users, and who joined a room. */
export type WsPost =
  | { kind: 'room'; room: string; messageId: string; user: ChatUser; text: string }
  | { kind: 'direct'; to: string; user: ChatUser; text: string }
  | { kind: 'joined'; user: ChatUser };

/** Reads an envelope's delivery (its frame is the encoded JSON the clients get); typing, receipts, edits are not carried. */
export function readDelivery(delivery: { frame: string; room?: string; userId?: string }): WsPost | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(delivery.frame);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const frame = parsed as Record<string, unknown>;
  const user = chatUser(frame.user);
  if (!user) return undefined;
  if (frame.type === 'message' && typeof frame.room === 'string' && typeof frame.messageId === 'string') {
    return { kind: 'room', room: frame.room, messageId: frame.messageId, user, text: textOfPayload(frame.payload) };
  }
  if (frame.type === 'direct_message' && typeof delivery.userId === 'string') {
    const to = zmqNameOf(delivery.userId);
    return to === undefined ? undefined : { kind: 'direct', to, user, text: textOfPayload(frame.payload) };
  }
  if (frame.type === 'user_joined') return { kind: 'joined', user };
  return undefined;
}

function chatUser(value: unknown): ChatUser | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, username } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof username === 'string' ? { id, username } : undefined;
}
