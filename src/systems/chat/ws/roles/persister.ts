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
 * entry has waited flushMs, writes it in one transaction, and acknowledges it only after the commit. A write
 * or an acknowledgement that fails is tried again with the same batch (the write is idempotent), with back-off;
 * the entries stay unacknowledged meanwhile, so nothing read is lost if this process dies.
 */
export class Persister {
  readonly totals: PersisterTotals = { batches: 0, entries: 0, inserted: 0, edits: 0, parked: 0 };
  readonly #batch: SourceEntry[] = [];
  /** The same entry can come twice (taken over from ourselves after a long retry): written once per batch. */
  readonly #inBatch = new Set<string>();
  #firstAt = 0;
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
   * Stops reading and writes what it holds (one try); what it could not write stays unacknowledged. With
   * `drain` it first reads on until the source has nothing more (the in-process log, closed, on shutdown).
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
        if (this.#due()) await this.#flush();
        else await this.#fill();
        backoffMs = 0;
      } catch (err) {
        backoffMs = Math.min(backoffMs * 2 || 100, 5_000);
        log.warn('persisting a batch failed; trying again', { entries: this.#batch.length, retryInMs: backoffMs, err: (err as Error).message });
        await sleep(backoffMs);
      }
    }
    try {
      while (this.#draining) {
        if (this.#batch.length >= this.options.batchSize) await this.#flush();
        if (!(await this.#fillSome())) break;
      }
      if (this.#batch.length > 0) await this.#flush();
    } catch (err) {
      log.warn('could not write the last entries; they stay in the log, unacknowledged', { entries: this.#batch.length, err: (err as Error).message });
    }
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

  async #flush(): Promise<void> {
    const outcome = await this.writer.write(this.#batch);
    await this.source.ack(this.#batch.map((entry) => entry.sourceId));
    const { totals } = this;
    totals.batches += 1;
    totals.entries += this.#batch.length;
    totals.inserted += outcome.inserted;
    totals.edits += outcome.edits;
    totals.parked += outcome.parked;
    if (outcome.parked > 0) log.warn('parked entries that cannot be stored; see the parked_entries table', { parked: outcome.parked });
    this.#batch.length = 0;
    this.#inBatch.clear();
  }
}
