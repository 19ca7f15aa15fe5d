/** What a claim found: this caller now holds the event, another holds it (or died holding it), or it is done. */
export type ClaimState = 'claimed' | 'processing' | 'done';

/**
 * The worker's first guard against handling an event twice: a key per event id, claimed before the handling and
 * marked done after it. Fail closed: every method rejects when the store cannot be reached, and the worker then
 * handles nothing (the message is retried).
 */
export interface EventClaims {
  /** Claims the event if no one has (SET NX); otherwise says what its key holds. */
  claim(eventId: string): Promise<ClaimState>;
  /** The event's handling committed: later deliveries find it done. */
  finish(eventId: string): Promise<void>;
  /** The handling failed: the key goes, so that a retry can claim it. */
  release(eventId: string): Promise<void>;
  close(): Promise<void>;
}

/** The reference's key: `dedup:WorkerProcessOrder:<event id>`. */
export const CLAIM_PREFIX = 'dedup:WorkerProcessOrder:';
/** How long a claim is kept: 24 hours, as in the reference. */
export const CLAIM_TTL_SECONDS = 86_400;

/** Claims in a Map with their expiry, for an embedded worker; at most `maxKeys`, the oldest dropped first. */
export class MemoryEventClaims implements EventClaims {
  readonly #keys = new Map<string, { state: 'processing' | 'done'; expiresAt: number }>();

  constructor(
    readonly ttlSeconds = CLAIM_TTL_SECONDS,
    readonly maxKeys = 100_000,
    readonly now: () => number = Date.now,
  ) {}

  async claim(eventId: string): Promise<ClaimState> {
    const held = this.#keys.get(eventId);
    if (held && held.expiresAt > this.now()) return held.state;
    this.#set(eventId, 'processing');
    return 'claimed';
  }

  async finish(eventId: string): Promise<void> {
    this.#set(eventId, 'done');
  }

  async release(eventId: string): Promise<void> {
    this.#keys.delete(eventId);
  }

  async close(): Promise<void> {}

  #set(eventId: string, state: 'processing' | 'done'): void {
    this.#keys.delete(eventId);
    this.#keys.set(eventId, { state, expiresAt: this.now() + this.ttlSeconds * 1000 });
    if (this.#keys.size > this.maxKeys) this.#keys.delete(this.#keys.keys().next().value as string);
  }
}
