export interface HeartbeatMonitorOptions<M> {
  /** A member not heard from for this long is down. */
  timeoutMs: number;
  /** How often to look; detection takes at most timeoutMs + checkEveryMs. */
  checkEveryMs: number;
  onUp(member: M): void;
  onDown(member: M): void;
}

/** Tracks members by their heartbeats and reports each up/down transition once. Members start down. */
export class HeartbeatMonitor<M extends string> {
  readonly #lastSeen = new Map<M, number>();
  readonly #up = new Set<M>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    members: readonly M[],
    readonly options: HeartbeatMonitorOptions<M>,
  ) {
    for (const member of members) this.#lastSeen.set(member, Number.NEGATIVE_INFINITY);
    this.#timer = setInterval(() => this.check(), options.checkEveryMs);
    this.#timer.unref();
  }

  /** A heartbeat from `member`; unknown members are ignored and reported false. */
  beat(member: M, now = Date.now()): boolean {
    if (!this.#lastSeen.has(member)) return false;
    this.#lastSeen.set(member, now);
    if (!this.#up.has(member)) {
      this.#up.add(member);
      this.options.onUp(member);
    }
    return true;
  }

  /** Marks a member down at once, as when it says goodbye. */
  down(member: M): void {
    if (!this.#up.delete(member)) return;
    this.#lastSeen.set(member, Number.NEGATIVE_INFINITY);
    this.options.onDown(member);
  }

  check(now = Date.now()): void {
    for (const member of this.#up) {
      if (now - this.#lastSeen.get(member)! > this.options.timeoutMs) {
        this.#up.delete(member);
        this.options.onDown(member);
      }
    }
  }

  isUp(member: M): boolean {
    return this.#up.has(member);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
