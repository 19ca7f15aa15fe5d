import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../../../kit/observe/log.ts';
import type { BatchOutcome, BatchWriter } from '../store/batch-writer.ts';
import type { EntrySource, SourceEntry } from '../store/entry-source.ts';

const log = createLogger('chat.ws.persister');

/** The reference's worker: a batch of 100, or whatever came within 5 s. */
export const DEFAULT_BATCH_SIZE = 100;
export const DEFAULT_FLUSH_MS = 5_000;
/** A batch is held in memory and COPYed as one; entries are at most some KiB each. */
export const MAX_BATCH_SIZE = 10_000;
/** The longest a read blocks, so a stop is noticed within it. */
const MAX_WAIT_MS = 250;

export interface PersisterOptions {
  batchSize: number;
  /** The longest an entry waits in a batch that is not full. */
  flushMs: number;
}

export interface PersisterTotals extends BatchOutcome {
  batches: number;
  /** Entries read and committed (a message, an edit or a parked entry each). */
  entries: number;
}

/**
 * Moves the message log into PostgreSQL: reads entries into a batch until it holds batchSize or its first
 * entry has waited flushMs, writes it in one transaction, and acknowledges it only after the commit. While one
 * batch is written the next is read (two batches in memory at most, one write at a time, so batches commit in
 * log order). A write or an acknowledgement that fails is tried again with the same batch (the write is
 * idempotent), with back-off; its entries stay unacknowledged meanwhile, so nothing read is lost if this
 * process dies.
 */
export class Persister {
  readonly totals: PersisterTotals = { batches: 0, entries: 0, inserted: 0, edits: 0, parked: 0 };
  #batch: SourceEntry[] = [];
  /** The same entry can come twice (taken over from ourselves after a long retry): written once per batch. */
  #inBatch = new Set<string>();
  #firstAt = 0;
  /** The previous batch's write; it never rejects. */
  #writing: Promise<void> = Promise.resolve();
  #stopping = false;
  #draining = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: EntrySource,
    private readonly writer: BatchWriter,
    private readonly options: PersisterOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > MAX_BATCH_SIZE) throw new RangeError(`the batch size must be a whole number from 1 to ${MAX_BATCH_SIZE}`);
    if (!(options.flushMs > 0)) throw new RangeError('the flush interval must be above 0');
  }

  start(): void {
    this.#loop = this.#run();
  }

  /**
   * Stops reading and writes what it holds; a write that fails now is not tried again, and its entries stay
   * unacknowledged. With `drain` it first reads on until the source has nothing more (the in-process log,
   * closed, on shutdown).
   */
  async stop(drain = false): Promise<void> {
    this.#draining = drain;
    this.#stopping = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    let backoffMs = 0;
    while (!this.#stopping) {
      try {
        if (this.#due()) await this.#handOver();
        else await this.#fill();
        backoffMs = 0;
      } catch (err) {
        backoffMs = Math.min(backoffMs * 2 || 100, 5_000);
        log.warn('reading the message log failed; trying again', { retryInMs: backoffMs, err: (err as Error).message });
        await sleep(backoffMs);
      }
    }
    try {
      while (this.#draining) {
        if (this.#batch.length >= this.options.batchSize) await this.#handOver();
        if (!(await this.#fillSome())) break;
      }
    } catch (err) {
      log.warn('could not read the rest of the message log', { err: (err as Error).message });
    }
    if (this.#batch.length > 0) await this.#handOver();
    await this.#writing;
  }

  #due(): boolean {
    return this.#batch.length >= this.options.batchSize || (this.#batch.length > 0 && Date.now() >= this.#firstAt + this.options.flushMs);
  }

  async #fill(): Promise<void> {
    const waitMs = this.#batch.length > 0 ? this.#firstAt + this.options.flushMs - Date.now() : MAX_WAIT_MS;
    await this.#fillSome(Math.max(1, Math.min(waitMs, MAX_WAIT_MS)));
  }

  /** Resolves with whether the source gave anything. */
  async #fillSome(waitMs = 1): Promise<boolean> {
    const entries = await this.source.read(this.options.batchSize - this.#batch.length, waitMs);
    for (const entry of entries) {
      if (this.#inBatch.has(entry.sourceId)) continue;
      if (this.#batch.length === 0) this.#firstAt = Date.now();
      this.#inBatch.add(entry.sourceId);
      this.#batch.push(entry);
    }
    return entries.length > 0;
  }

  /** Waits for the previous batch's write to end, then starts this one's and goes back to reading. */
  async #handOver(): Promise<void> {
    await this.#writing;
    const batch = this.#batch;
    this.#batch = [];
    this.#inBatch = new Set();
    this.#writing = this.#persist(batch);
  }

  async #persist(batch: SourceEntry[]): Promise<void> {
    let backoffMs = 0;
    for (;;) {
      try {
        const outcome = await this.writer.write(batch);
        await this.source.ack(batch.map((entry) => entry.sourceId));
        this.#count(batch.length, outcome);
        return;
      } catch (err) {
        if (this.#stopping && backoffMs > 0) {
          log.warn('could not write a batch before stopping; it stays in the log, unacknowledged', { entries: batch.length, err: (err as Error).message });
          return;
        }
        backoffMs = Math.min(backoffMs * 2 || 100, 5_000);
        log.warn('persisting a batch failed; trying again', { entries: batch.length, retryInMs: backoffMs, err: (err as Error).message });
        await sleep(backoffMs);
      }
    }
  }

  #count(entries: number, outcome: BatchOutcome): void {
    const { totals } = this;
    totals.batches += 1;
    totals.entries += entries;
    totals.inserted += outcome.inserted;
    totals.edits += outcome.edits;
    totals.parked += outcome.parked;
    if (outcome.parked > 0) log.warn('parked entries that cannot be stored; see the parked_entries table', { parked: outcome.parked });
  }
}
