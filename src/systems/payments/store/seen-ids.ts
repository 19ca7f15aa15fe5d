/**
 * The correlationIds the deployment has accepted, for the 409 on a repeat. Ids come in lower case.
 *
 * An instance claims each new id. Where every id has one owner that sees all of its repeats (one process on its
 * own, or the instance nginx sends that id's shard to), the owner may answer at once, and learns only later
 * whether another instance's claim of the same id came first; any other instance waits for the shared store's
 * verdict before it answers.
 */
export interface SeenIds {
  /** `SEEN` for an id claimed before; throws when the claim cannot be made now (the store is unreachable). */
  claim(correlationId: string): Claim;
  /** Undoes a claim whose payment was not accepted after all (503), so its retry is not refused. */
  release(correlationId: string): void;
  /** Forgets every id, for every instance (a purge). */
  clear(): Promise<void>;
  /** Forgets what this instance holds, after another instance cleared the store. */
  forget(): void;
  close(): Promise<void>;
}

export const SEEN = 'seen';

export type Claim =
  | typeof SEEN
  | {
      /**
       * Whether this is the deployment's first claim of the id: known at once, or to come from the shared store
       * (false: another instance claimed it first). Only a claim that may not be answered at once can reject,
       * when the store does not answer; the others are retried until it does.
       */
      first: boolean | Promise<boolean>;
      /**
       * The client may have its answer before `first` settles: the id is this instance's to answer for, and the
       * claim has already been written to the shared store, so whoever asks the store after this answer finds it.
       */
      answerNow: boolean;
    };

const FIRST_HERE: Claim = Object.freeze({ first: true, answerNow: true });

/** One process on its own (the memory store): it sees every repeat, and its ledger does not outlive it either. */
export class MemorySeenIds implements SeenIds {
  readonly #ids = new Set<string>();

  claim(correlationId: string): Claim {
    if (this.#ids.has(correlationId)) return SEEN;
    this.#ids.add(correlationId);
    return FIRST_HERE;
  }

  release(correlationId: string): void {
    this.#ids.delete(correlationId);
  }

  async clear(): Promise<void> {
    this.#ids.clear();
  }

  forget(): void {
    this.#ids.clear();
  }

  async close(): Promise<void> {}
}
