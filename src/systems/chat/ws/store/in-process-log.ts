import type { LoggedEntry } from '../domain/room-message.ts';
import { type EntrySource, type RoomTail, type SourceEntry, type UnpersistedEntries, roomTail } from './entry-source.ts';
import { type MessageLog, MessageLogFullError } from './message-log.ts';

/** Entries accepted and not yet committed, at most; past it `append` refuses. */
export const DEFAULT_IN_PROCESS_CAPACITY = 100_000;

interface Held {
  seq: number;
  entry: LoggedEntry;
}

/**
 * The message log of embedded mode: the server appends, the persister in the same process reads, and an entry
 * stays (for history too) until its batch is committed. Bounded: a full log refuses the append. Entries are
 * copied on the way in, as XADD copies them, so a server changing its object later changes nothing here.
 */
export class InProcessLog implements MessageLog, EntrySource, UnpersistedEntries {
  #held: Held[] = [];
  #head = 0;
  /** Index in #held of the first entry not read yet. */
  #unread = 0;
  #nextSeq = 1;
  readonly #acked = new Set<number>();
  #wake: (() => void) | undefined;
  #closed = false;

  constructor(readonly capacity = DEFAULT_IN_PROCESS_CAPACITY) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be at least 1');
  }

  /** Entries held: not yet committed. */
  get size(): number {
    return this.#held.length - this.#head;
  }

  async append(entry: LoggedEntry): Promise<void> {
    if (this.#closed) throw new Error('the message log is closed');
    if (this.size >= this.capacity) throw new MessageLogFullError(`the message log holds ${this.capacity} entries not yet in the database; try again shortly`);
    this.#held.push({ seq: this.#nextSeq++, entry: structuredClone(entry) });
    this.#wake?.();
  }

  async read(max: number, waitMs: number): Promise<SourceEntry[]> {
    if (this.#unread >= this.#held.length && !this.#closed && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    const taken = this.#held.slice(this.#unread, this.#unread + max);
    this.#unread += taken.length;
    return taken.map(({ seq, entry }) => ({ sourceId: String(seq), entry }));
  }

  async ack(sourceIds: string[]): Promise<void> {
    for (const id of sourceIds) this.#acked.add(Number(id));
    while (this.#head < this.#unread && this.#acked.delete(this.#held[this.#head]!.seq)) this.#head += 1;
    if (this.#head >= 1024 && this.#head * 2 >= this.#held.length) {
      this.#held = this.#held.slice(this.#head);
      this.#unread -= this.#head;
      this.#head = 0;
    }
  }

  async ofRoom(room: string): Promise<RoomTail> {
    const entries: LoggedEntry[] = [];
    for (let i = this.#head; i < this.#held.length; i++) {
      const { entry } = this.#held[i]!;
      if ((entry.kind === 'message' ? entry.message.room : entry.edit.room) === room) entries.push(entry);
    }
    return roomTail(entries);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
  }
}
