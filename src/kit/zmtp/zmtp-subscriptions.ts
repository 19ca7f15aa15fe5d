/**
 * ZMTP 3.0 subscriptions: a SUB (or XSUB) sends each as a message of one frame, byte 1 to subscribe or 0 to
 * cancel, then the topic prefix. Publishers filter on them at the source.
 */
/** Subscriptions are short; a peer that sends more is not subscribing. */
export const MAX_SUBSCRIPTION_BYTES = 64 * 1024;

export interface Subscription {
  subscribe: boolean;
  prefix: Buffer;
}

export function subscriptionMessage(subscribe: boolean, prefix: Buffer): Buffer[] {
  return [Buffer.concat([Buffer.from([subscribe ? 1 : 0]), prefix])];
}

/** The subscription a message carries, or undefined when it is not one. The prefix is a copy. */
export function parseSubscription(frames: readonly Buffer[]): Subscription | undefined {
  const [frame] = frames;
  if (frames.length !== 1 || !frame || frame.length === 0 || (frame[0] !== 0 && frame[0] !== 1)) return undefined;
  return { subscribe: frame[0] === 1, prefix: Buffer.from(frame.subarray(1)) };
}

interface Entry<H> {
  prefix: Buffer;
  /** Who asked for this prefix, and how many times: each subscribe needs its own cancel. */
  holders: Map<H, number>;
}

/**
 * Topic prefixes and who subscribed to each. A topic is matched by looking up its own prefixes, one per
 * prefix length in use, so matching costs the number of distinct lengths, not the number of subscriptions.
 */
export class PrefixTable<H> {
  readonly #entries = new Map<string, Entry<H>>();
  /** How many prefixes have each length. */
  readonly #lengths = new Map<number, number>();

  get size(): number {
    return this.#entries.size;
  }

  /** Records one subscription; true when the prefix had no holder before (it is new to the table). */
  add(prefix: Buffer, holder: H): boolean {
    const key = prefix.toString('latin1');
    let entry = this.#entries.get(key);
    const isNew = entry === undefined;
    if (!entry) {
      entry = { prefix, holders: new Map() };
      this.#entries.set(key, entry);
      this.#lengths.set(prefix.length, (this.#lengths.get(prefix.length) ?? 0) + 1);
    }
    entry.holders.set(holder, (entry.holders.get(holder) ?? 0) + 1);
    return isNew;
  }

  /** Cancels one subscription; true when the prefix has no holder left (it left the table). */
  remove(prefix: Buffer, holder: H): boolean {
    const key = prefix.toString('latin1');
    const entry = this.#entries.get(key);
    const count = entry?.holders.get(holder);
    if (!entry || count === undefined) return false;
    if (count > 1) entry.holders.set(holder, count - 1);
    else entry.holders.delete(holder);
    if (entry.holders.size > 0) return false;
    this.#drop(key, entry);
    return true;
  }

  /** Records a subscribe or a cancel; true when the prefix entered or left the table. */
  apply(subscription: Subscription, holder: H): boolean {
    return subscription.subscribe ? this.add(subscription.prefix, holder) : this.remove(subscription.prefix, holder);
  }

  /** Forgets every subscription of one holder (it disconnected); returns the prefixes that left the table. */
  removeHolder(holder: H): Buffer[] {
    const gone: Buffer[] = [];
    for (const [key, entry] of this.#entries) {
      if (!entry.holders.delete(holder) || entry.holders.size > 0) continue;
      this.#drop(key, entry);
      gone.push(entry.prefix);
    }
    return gone;
  }

  clear(): void {
    this.#entries.clear();
    this.#lengths.clear();
  }

  /** Every prefix in the table. */
  prefixes(): Buffer[] {
    return [...this.#entries.values()].map((entry) => entry.prefix);
  }

  /** True when some prefix of topic is in the table. */
  matches(topic: Buffer): boolean {
    for (const length of this.#lengths.keys()) {
      if (length <= topic.length && this.#entries.has(topic.toString('latin1', 0, length))) return true;
    }
    return false;
  }

  /** The holders of every prefix of topic, each once. */
  holdersOf(topic: Buffer): Set<H> {
    const holders = new Set<H>();
    for (const length of this.#lengths.keys()) {
      if (length > topic.length) continue;
      const entry = this.#entries.get(topic.toString('latin1', 0, length));
      if (entry) for (const holder of entry.holders.keys()) holders.add(holder);
    }
    return holders;
  }

  #drop(key: string, entry: Entry<H>): void {
    this.#entries.delete(key);
    const left = (this.#lengths.get(entry.prefix.length) ?? 1) - 1;
    if (left > 0) this.#lengths.set(entry.prefix.length, left);
    else this.#lengths.delete(entry.prefix.length);
  }
}
