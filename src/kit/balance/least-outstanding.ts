interface InFlight<M> {
  member: M;
  since: number;
}

export interface MemberStats<M> {
  member: M;
  /** Requests handed to it that it has not reported finished. */
  pending: number;
  /** Requests handed to it since start (re-routed ones count again where they land). */
  total: number;
  healthy: boolean;
}

/**
 * Least outstanding requests: each request goes to the healthy member with the fewest requests in flight,
 * ties broken round-robin. The count falls when a member reports a request finished (by id), never on a
 * timer's guess, so a slow member keeps its backlog and gets less.
 */
export class LeastOutstanding<M extends string> {
  readonly #members: M[];
  readonly #pending = new Map<M, number>();
  readonly #total = new Map<M, number>();
  readonly #healthy = new Set<M>();
  readonly #inFlight = new Map<string, InFlight<M>>();
  #cursor = 0;

  constructor(members: readonly M[]) {
    if (members.length === 0) throw new RangeError('least outstanding needs at least one member');
    if (new Set(members).size !== members.length) throw new RangeError(`members must be distinct, got ${members.join(', ')}`);
    this.#members = [...members];
    for (const member of members) {
      this.#pending.set(member, 0);
      this.#total.set(member, 0);
    }
  }

  get members(): readonly M[] {
    return this.#members;
  }

  /** The healthy member with the fewest in flight, or undefined when none is healthy. */
  pick(): M | undefined {
    const n = this.#members.length;
    const start = this.#cursor++ % n;
    let best: M | undefined;
    let fewest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const member = this.#members[(start + i) % n]!;
      if (!this.#healthy.has(member)) continue;
      const pending = this.#pending.get(member)!;
      if (pending < fewest) {
        fewest = pending;
        best = member;
      }
    }
    return best;
  }

  /** Records that request `id` went to `member`. A request re-routed elsewhere moves with its id. */
  assign(id: string, member: M, now = Date.now()): void {
    this.complete(id);
    this.#inFlight.set(id, { member, since: now });
    this.#pending.set(member, this.#pending.get(member)! + 1);
    this.#total.set(member, this.#total.get(member)! + 1);
  }

  /** Request `id` finished; returns the member that had it, or undefined for an id not (or no longer) tracked. */
  complete(id: string): M | undefined {
    const entry = this.#inFlight.get(id);
    if (!entry) return undefined;
    this.#inFlight.delete(id);
    this.#pending.set(entry.member, this.#pending.get(entry.member)! - 1);
    return entry.member;
  }

  /** Drops a member's in-flight requests from the count: they are being re-routed or are lost with it. */
  forget(member: M): number {
    let dropped = 0;
    for (const [id, entry] of this.#inFlight) {
      if (entry.member !== member) continue;
      this.#inFlight.delete(id);
      dropped++;
    }
    this.#pending.set(member, 0);
    return dropped;
  }

  /**
   * Forgets requests in flight for longer than `maxAgeMs`: their completion report was lost (topics are at most
   * once), and counting them forever would starve the member. Returns how many were dropped.
   */
  expire(maxAgeMs: number, now = Date.now()): number {
    let dropped = 0;
    for (const [id, entry] of this.#inFlight) {
      if (now - entry.since <= maxAgeMs) continue;
      this.#inFlight.delete(id);
      this.#pending.set(entry.member, this.#pending.get(entry.member)! - 1);
      dropped++;
    }
    return dropped;
  }

  /** Requests in flight at `member`. */
  pending(member: M): number {
    return this.#pending.get(member) ?? 0;
  }

  setHealthy(member: M, healthy: boolean): void {
    if (!this.#pending.has(member)) throw new RangeError(`unknown member "${member}"`);
    if (healthy) this.#healthy.add(member);
    else this.#healthy.delete(member);
  }

  isHealthy(member: M): boolean {
    return this.#healthy.has(member);
  }

  get anyHealthy(): boolean {
    return this.#healthy.size > 0;
  }

  stats(): MemberStats<M>[] {
    return this.#members.map((member) => ({
      member,
      pending: this.#pending.get(member)!,
      total: this.#total.get(member)!,
      healthy: this.#healthy.has(member),
    }));
  }
}
