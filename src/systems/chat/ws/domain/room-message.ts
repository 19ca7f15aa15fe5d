import { randomBytes } from 'node:crypto';

/** One accepted room message: what a server fans out, appends to the message log, and history returns. */
export interface RoomMessage {
  /** 32 lower-case hex characters: 12 of the accepting server's clock in ms, then 20 random. Sorts by time. */
  messageId: string;
  room: string;
  userId: string;
  username: string;
  /** A JSON object; a publish whose payload has no `message` key is wrapped as `{ message, type: 'text' }`. */
  payload: Record<string, unknown>;
  /** The room's metadata at acceptance (`room`, `createdAt`, `subscriberCount`, `presenceCount`). */
  metadata: Record<string, unknown>;
  /** Ms since the epoch. */
  createdAt: number;
  /** Ms since the epoch of the last edit, when there was one. */
  editedAt?: number;
}

/** An edit of a message already accepted: the new payload replaces the old one. */
export interface RoomMessageEdit {
  messageId: string;
  room: string;
  userId: string;
  payload: Record<string, unknown>;
  editedAt: number;
}

/** What the message log carries, in the order it was appended. */
export type LoggedEntry = { kind: 'message'; message: RoomMessage } | { kind: 'edit'; edit: RoomMessageEdit };

const ID = /^[0-9a-f]{32}$/;

const RANDOM_MASK = (1n << 80n) - 1n;
let last: { ms: number; random: bigint } | undefined;

/**
 * Within one millisecond of one process the random part counts up from the first id's, so ids this server
 * accepts in a row sort in that order too: history and recovery (`after`) follow it.
 */
export function newMessageId(now: number = Date.now()): string {
  const random = last?.ms === now ? (last.random + 1n) & RANDOM_MASK : BigInt(`0x${randomBytes(10).toString('hex')}`);
  last = { ms: now, random };
  return now.toString(16).padStart(12, '0').slice(-12) + random.toString(16).padStart(20, '0');
}

export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value);
}
