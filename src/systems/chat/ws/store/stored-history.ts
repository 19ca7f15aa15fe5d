import { type RoomMessage, type RoomMessageEdit, isMessageId } from '../domain/room-message.ts';
import type { UnpersistedEntries } from './entry-source.ts';
import type { MessageHistory } from './message-log.ts';
import type { StoredMessages } from './stored-messages.ts';

/** The most one history answer holds, as the reference's rooms keep their last 1,000 messages. */
export const MAX_HISTORY_LIMIT = 1_000;

/**
 * How far back `after` recovers: a message among its room's newest `messages`, or younger than `ms`. Older
 * (or unknown), the client is told to take `recent` instead.
 */
export interface RecoveryWindow {
  messages: number;
  ms: number;
}

export const DEFAULT_RECOVERY_WINDOW: RecoveryWindow = { messages: 1_000, ms: 60 * 60 * 1_000 };

/**
 * History as clients see it: PostgreSQL's rows plus what the log holds that is not persisted yet (read first,
 * see UnpersistedEntries), merged by message id, with the log's edits applied as the persister would apply them.
 */
export class StoredHistory implements MessageHistory {
  constructor(
    private readonly stored: StoredMessages,
    private readonly tail: UnpersistedEntries,
    private readonly window: RecoveryWindow = DEFAULT_RECOVERY_WINDOW,
    private readonly now: () => number = Date.now,
  ) {}

  async recent(room: string, limit: number): Promise<RoomMessage[]> {
    const n = bounded(limit);
    if (n === 0) return [];
    const tail = await this.tail.ofRoom(room);
    const rows = await this.stored.newest(room, n);
    return merged(rows, tail.messages, tail.edits).slice(-n);
  }

  async after(room: string, messageId: string, limit: number): Promise<RoomMessage[] | undefined> {
    if (!isMessageId(messageId)) return undefined;
    const n = bounded(limit);
    const tail = await this.tail.ofRoom(room);
    const position = await this.stored.position(room, messageId, this.window.messages);
    const inTail = tail.messages.find((m) => m.messageId === messageId);
    if (!position && !inTail) return undefined;
    const createdAt = position?.createdAt ?? inTail!.createdAt;
    const newerInTail = tail.messages.filter((m) => m.messageId > messageId);
    // Messages in both PostgreSQL and the log count twice here: the window can only seem shorter, never longer.
    const newer = (position?.newer ?? 0) + newerInTail.length;
    if (createdAt < this.now() - this.window.ms && newer >= this.window.messages) return undefined;
    if (n === 0) return [];
    const rows = await this.stored.after(room, messageId, n);
    return merged(rows, newerInTail, tail.edits).slice(0, n);
  }
}

function bounded(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.min(MAX_HISTORY_LIMIT, Math.floor(limit))) : MAX_HISTORY_LIMIT;
}

/** PostgreSQL's row wins over the log's copy of the same message (it may hold edits); oldest first. */
function merged(rows: readonly RoomMessage[], logged: readonly RoomMessage[], edits: readonly RoomMessageEdit[]): RoomMessage[] {
  const byId = new Map<string, RoomMessage>();
  for (const row of rows) byId.set(row.messageId, row);
  for (const message of logged) if (!byId.has(message.messageId)) byId.set(message.messageId, message);
  for (const edit of edits) {
    const message = byId.get(edit.messageId);
    if (!message || message.room !== edit.room || message.userId !== edit.userId) continue;
    if (message.editedAt !== undefined && message.editedAt > edit.editedAt) continue;
    byId.set(edit.messageId, { ...message, payload: edit.payload, editedAt: edit.editedAt });
  }
  return [...byId.values()].sort((a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
}
