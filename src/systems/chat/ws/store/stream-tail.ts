import type { Redis } from 'ioredis';
import type { LoggedEntry } from '../domain/room-message.ts';
import { type RoomTail, type UnpersistedEntries, roomTail } from './entry-source.ts';
import { compareStreamIds } from './stream-names.ts';
import { decodeEntry, fieldMap } from './stream-fields.ts';

interface Mirrored {
  id: string;
  entry: LoggedEntry;
}

/**
 * This process's copy of the stream's entries, by room, for history. Each question first reads what the stream
 * gained since the last one (XRANGE from the last id seen) and then drops what it lost: the persisters trim only
 * what every group has committed and acknowledged, so an entry gone from the stream is in PostgreSQL. Held
 * entries are at most the stream's length, which its bound caps. Entries that do not decode are left to the
 * persisters, which park them.
 */
export class StreamTail implements UnpersistedEntries {
  readonly #rooms = new Map<string, Mirrored[]>();
  #lastId = '0-0';
  #firstId = '0-0';
  readonly #refresh = new FreshRun(() => this.#catchUp());

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
    private readonly readCount = 1_000,
  ) {}

  async ofRoom(room: string): Promise<RoomTail> {
    await this.#refresh.run();
    return roomTail((this.#rooms.get(room) ?? []).map((held) => held.entry));
  }

  async #catchUp(): Promise<void> {
    for (;;) {
      const entries = (await this.redis.xrange(this.stream, `(${this.#lastId}`, '+', 'COUNT', this.readCount)) as [string, string[]][];
      for (const [id, fields] of entries) {
        const { entry } = decodeEntry(id, fieldMap(fields));
        if (entry) this.#hold(id, entry);
        this.#lastId = id;
      }
      if (entries.length < this.readCount) break;
    }
    const [first] = (await this.redis.xrange(this.stream, '-', '+', 'COUNT', 1)) as [string, string[]][];
    if (!first) {
      this.#rooms.clear();
      return;
    }
    if (compareStreamIds(first[0], this.#firstId) <= 0) return;
    this.#firstId = first[0];
    for (const [room, held] of this.#rooms) {
      let gone = 0;
      while (gone < held.length && compareStreamIds(held[gone]!.id, this.#firstId) < 0) gone += 1;
      if (gone === held.length) this.#rooms.delete(room);
      else if (gone > 0) held.splice(0, gone);
    }
  }

  #hold(id: string, entry: LoggedEntry): void {
    const room = entry.kind === 'message' ? entry.message.room : entry.edit.room;
    const held = this.#rooms.get(room);
    if (held) held.push({ id, entry });
    else this.#rooms.set(room, [{ id, entry }]);
  }
}

/** Runs `work` so that every caller waits for a run that started after its call; callers in the meantime share one. */
class FreshRun {
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(private readonly work: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.#next) return this.#next;
    if (!this.#running) return this.#start();
    const settle = () => {};
    this.#next = this.#running.then(settle, settle).then(() => {
      this.#next = undefined;
      return this.#start();
    });
    return this.#next;
  }

  #start(): Promise<void> {
    const running = this.work().finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }
}
