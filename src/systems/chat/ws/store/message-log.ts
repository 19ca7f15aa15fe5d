import type { LoggedEntry, RoomMessage } from '../domain/room-message.ts';

/**
 * Where a server puts each accepted message and edit on its way to PostgreSQL: the Redis stream
 * `gosocket:messages:stream` on a cluster, an in-process log when embedded.
 */
export interface MessageLog {
  /** Resolves once the log holds the entry (Redis has answered the XADD): only then is the message accepted. */
  append(entry: LoggedEntry): Promise<void>;
  close(): Promise<void>;
}

/** A room's history as clients see it: PostgreSQL plus what the log holds that is not persisted yet. */
export interface MessageHistory {
  /** The newest `limit` messages of `room`, oldest first, with edits applied. */
  recent(room: string, limit: number): Promise<RoomMessage[]>;
  /**
   * Up to `limit` messages of `room` after `messageId`, oldest first, with edits applied; undefined when
   * `messageId` is older than the recovery window (or unknown), so the client must take `recent` instead.
   */
  after(room: string, messageId: string, limit: number): Promise<RoomMessage[] | undefined>;
}

/**
 * What `append` rejects with when the log already holds as many entries as it may keep before PostgreSQL takes
 * them (the persisters are behind or down): the server refuses the message rather than accept it and have the
 * log drop it, or another, unpersisted.
 */
export class MessageLogFullError extends Error {}
