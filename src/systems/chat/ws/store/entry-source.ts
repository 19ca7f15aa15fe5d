import type { LoggedEntry, RoomMessage, RoomMessageEdit } from '../domain/room-message.ts';
import type { EntryJson } from './stream-fields.ts';

/** An entry of the log that was read and could be decoded; `sourceId` names it to the log (a stream id). */
export interface ReadEntry {
  sourceId: string;
  entry: LoggedEntry;
  /** The payload's and metadata's JSON as the log held them, when it held text (the stream does). */
  json?: EntryJson;
  reason?: undefined;
}

/** An entry that cannot be stored: the reason, and its raw fields, for the parked_entries table. */
export interface UnstorableEntry {
  sourceId: string;
  entry?: undefined;
  reason: string;
  fields: Record<string, string>;
}

/** One entry of the log as a persister reads it. */
export type SourceEntry = ReadEntry | UnstorableEntry;

/** The log's side that persisters read: the Redis stream through a consumer group, or the in-process log. */
export interface EntrySource {
  /**
   * Up to `max` entries no persister has taken, or that a persister took and left (it died): at least one when
   * any comes within `waitMs`, else none. An entry may come again after a crash, never silently skipped.
   */
  read(max: number, waitMs: number): Promise<SourceEntry[]>;
  /** These are in PostgreSQL (or parked) now, committed: the log may let them go. */
  ack(sourceIds: string[]): Promise<void>;
  close(): Promise<void>;
}

/** A room's entries that the log holds and PostgreSQL may not have yet, in log order. */
export interface RoomTail {
  messages: RoomMessage[];
  edits: RoomMessageEdit[];
}

/** What history adds to PostgreSQL's rows. */
export interface UnpersistedEntries {
  /**
   * Read before PostgreSQL: an entry appended before this call is either in the answer or was committed before
   * the log let it go, so a query PostgreSQL answers after this one has it.
   */
  ofRoom(room: string): Promise<RoomTail>;
}

export function roomTail(entries: Iterable<LoggedEntry>): RoomTail {
  const tail: RoomTail = { messages: [], edits: [] };
  for (const logged of entries) {
    if (logged.kind === 'message') tail.messages.push(logged.message);
    else tail.edits.push(logged.edit);
  }
  return tail;
}
