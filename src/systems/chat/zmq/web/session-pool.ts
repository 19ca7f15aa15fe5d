import type { ChatSession } from '../roles/chat-session.ts';

export interface SessionPoolOptions {
  /** Sessions kept at most; one more closes the least recently used. */
  max: number;
  /** A session with no feed open closes this long after its last request. */
  idleMs: number;
  /** A session closes this long after its user's last feed closed (long enough for a page's reload). */
  goneMs: number;
}

/**
 * One ChatSession per user name, kept while the user is live: a feed (a page) open, or a request not long ago.
 * Its users are the ones the page shows as online; logging out closes the session at once.
 */
export class SessionPool {
  readonly #sessions = new Map<string, ChatSession>();
  readonly #feeds = new Map<string, number>();
  /** When each session with no feed open closes. */
  readonly #expires = new Map<string, number>();
  readonly #sweep: NodeJS.Timeout;

  constructor(
    private readonly open: () => Promise<ChatSession>,
    private readonly options: SessionPoolOptions,
  ) {
    this.#sweep = setInterval(() => this.#closeExpired(), Math.min(1_000, options.goneMs));
    this.#sweep.unref();
  }

  async get(user: string): Promise<ChatSession> {
    const session = this.#take(user) ?? (await this.#openFor(user));
    if (!this.#feeds.has(user)) this.#expires.set(user, Date.now() + this.options.idleMs);
    return session;
  }

  /** A feed for `user` opened: the session stays while it is open. */
  feedOpened(user: string): void {
    this.#feeds.set(user, (this.#feeds.get(user) ?? 0) + 1);
    this.#expires.delete(user);
  }

  feedClosed(user: string): void {
    const left = (this.#feeds.get(user) ?? 1) - 1;
    if (left > 0) return void this.#feeds.set(user, left);
    this.#feeds.delete(user);
    if (this.#sessions.has(user)) this.#expires.set(user, Date.now() + this.options.goneMs);
  }

  /** Logs `user` out here: closes their session. False when there was none. */
  async end(user: string): Promise<boolean> {
    const session = this.#sessions.get(user);
    this.#forget(user);
    await session?.close();
    return session !== undefined;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The users with a session open, by name. */
  online(): string[] {
    return [...this.#sessions.keys()].sort();
  }

  /** The user's session if one is open, without touching its place in line. */
  peek(user: string): ChatSession | undefined {
    return this.#sessions.get(user);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    this.#expires.clear();
    await Promise.allSettled(all.map((session) => session.close()));
  }

  async #openFor(user: string): Promise<ChatSession> {
    const session = await this.open();
    const raced = this.#take(user);
    if (raced) {
      void session.close();
      return raced;
    }
    this.#sessions.set(user, session);
    for (const oldest of this.#sessions.keys()) {
      if (this.#sessions.size <= this.options.max) break;
      void this.end(oldest);
    }
    return session;
  }

  #take(user: string): ChatSession | undefined {
    const session = this.#sessions.get(user);
    if (!session) return undefined;
    this.#sessions.delete(user);
    this.#sessions.set(user, session);
    return session;
  }

  #forget(user: string): void {
    this.#sessions.delete(user);
    this.#expires.delete(user);
  }

  #closeExpired(): void {
    const now = Date.now();
    for (const [user, at] of this.#expires) if (at <= now) void this.end(user);
  }
}
