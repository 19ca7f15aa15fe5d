import type { ChatOp } from '../../domain/chat-op.ts';
import { parseTimestamp } from '../../domain/timestamp.ts';

/** What the page's feed shows for one message, live or from history. */
export interface FeedEvent {
  /** The write's id: the same message from history and live is shown once. */
  id: string | null;
  kind: 'channel' | 'dm';
  topic: string;
  channel?: string;
  /** Who wrote it. */
  user: string;
  message: string;
  /** ms since the epoch, from the publication's timestamp. */
  at: number | null;
  clock: number | null;
}

/** A publication as the feed shows it; undefined for the servers' own topic (elections), which shares the proxy. */
export function publicationEvent(topic: string, payload: Record<string, unknown>): FeedEvent | undefined {
  const { message, clock } = payload;
  if (typeof message !== 'string') return undefined;
  const id = typeof payload.id === 'string' ? payload.id : null;
  const at = parseTimestamp(payload.timestamp) ?? null;
  const lamport = typeof clock === 'number' ? clock : null;
  if (typeof payload.channel === 'string' && typeof payload.user === 'string') {
    return { id, kind: 'channel', topic, channel: payload.channel, user: payload.user, message, at, clock: lamport };
  }
  if (typeof payload.from === 'string') return { id, kind: 'dm', topic, user: payload.from, message, at, clock: lamport };
  return undefined;
}

/** A held op as the feed shows it: publications and direct messages are; logins and new channels are not. */
export function opEvent(op: ChatOp): FeedEvent | undefined {
  if (op.kind === 'publish') return { id: op.id, kind: 'channel', topic: op.channel, channel: op.channel, user: op.user, message: op.message, at: op.at, clock: op.clock };
  if (op.kind === 'message') return { id: op.id, kind: 'dm', topic: op.dst, user: op.src, message: op.message, at: op.at, clock: op.clock };
  return undefined;
}
