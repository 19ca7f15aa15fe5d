import type { LoggedEntry, RoomMessage, RoomMessageEdit } from '../domain/room-message.ts';
import type { MessageHistory, MessageLog } from './message-log.ts';

export interface MemoryHistoryOptions {
  /** Messages kept per room, newest last (the reference keeps 1000 in memory). */
  perRoom?: number;
  /** Rooms kept; past it the room written longest ago is forgotten. */
  maxRooms?: number;
}

interface RoomLog {
  messages: RoomMessage[];
  /** Append number of messages[0]: a message's place is its number minus this. */
  first: number;
  numbers: Map<string, number>;
}

/**
 * The log and the history in one process, for one instance on its own (embedded, tests): what is appended is
 * history at once. Bounded: each room keeps its newest `perRoom` messages and at most `maxRooms` rooms are kept;
 * an edit of a message no longer kept changes nothing.
 */
export class MemoryMessageStore implements MessageLog, MessageHistory {
  readonly #rooms = new Map<string, RoomLog>();
  readonly #perRoom: number;
  readonly #maxRooms: number;

  constructor(options: MemoryHistoryOptions = {}) {
    this.#perRoom = options.perRoom ?? 1_000;
    this.#maxRooms = options.maxRooms ?? 10_000;
  }

  async append(entry: LoggedEntry): Promise<void> {
    if (entry.kind === 'message') this.#add(entry.message);
    else this.#edit(entry.edit);
  }

  async recent(room: string, limit: number): Promise<RoomMessage[]> {
    const log = this.#rooms.get(room);
    if (!log || limit <= 0) return [];
    return log.messages.slice(Math.max(this.#windowStart(log), log.messages.length - limit));
  }

  async after(room: string, messageId: string, limit: number): Promise<RoomMessage[] | undefined> {
    const log = this.#rooms.get(room);
    const number = log?.numbers.get(messageId);
    if (!log || number === undefined || number - log.first < this.#windowStart(log)) return undefined;
    const start = number - log.first + 1;
    return log.messages.slice(start, start + Math.max(0, limit));
  }

  async close(): Promise<void> {
    this.#rooms.clear();
  }

  #add(message: RoomMessage): void {
    let log = this.#rooms.get(message.room);
    if (log) {
      // Most recently written last, so the first is the one to forget.
      this.#rooms.delete(message.room);
    } else {
      log = { messages: [], first: 0, numbers: new Map() };
    }
    this.#rooms.set(message.room, log);
    if (this.#rooms.size > this.#maxRooms) this.#rooms.delete(this.#rooms.keys().next().value!);
    log.numbers.set(message.messageId, log.first + log.messages.length);
    log.messages.push(message);
    // Trimmed in steps, not at each message: reads only look at the newest perRoom (#windowStart).
    if (log.messages.length >= 2 * this.#perRoom) {
      const dropped = log.messages.length - this.#perRoom;
      for (const old of log.messages.slice(0, dropped)) log.numbers.delete(old.messageId);
      log.messages = log.messages.slice(dropped);
      log.first += dropped;
    }
  }

  #windowStart(log: RoomLog): number {
    return Math.max(0, log.messages.length - this.#perRoom);
  }

  #edit(edit: RoomMessageEdit): void {
    const log = this.#rooms.get(edit.room);
    const number = log?.numbers.get(edit.messageId);
    if (!log || number === undefined || number - log.first < this.#windowStart(log)) return;
    const at = number - log.first;
    const original = log.messages[at]!;
    if (original.userId !== edit.userId) return;
    // A new object: arrays handed out earlier keep what they were given.
    log.messages[at] = { ...original, payload: edit.payload, editedAt: edit.editedAt };
  }
}
