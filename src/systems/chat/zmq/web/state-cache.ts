import type { ChatSession } from '../roles/chat-session.ts';
import type { EmbeddedChatZmq, PeerStatus, ServerView } from './embedded-chat-zmq.ts';

/** /state polled by several pages asks the servers once per this long. */
const STATE_FRESH_MS = 400;

export interface ChatZmqState {
  servers: Array<ServerView & { rank: number | null }>;
  /** The coordinator every running server follows, or null while they disagree or it is down (an election is on). */
  coordinator: string | null;
  /** Everyone who ever logged in, as the servers hold them. */
  users: string[] | null;
  channels: string[] | null;
  /** Why users and channels are missing. */
  listError?: string;
  /** Users with a ChatSession open here (a page open, or a request not long ago), and live feeds (SSE streams) open. */
  sessions: number;
  online: string[];
  feeds: number;
}

type Counts = Pick<ChatZmqState, 'sessions' | 'online' | 'feeds'>;

/** The servers' table and the users and channels, asked for at most once per STATE_FRESH_MS however many pages poll. */
export class StateCache {
  readonly #lastStatus = new Map<string, PeerStatus>();
  #current: Promise<Omit<ChatZmqState, keyof Counts>> | undefined;
  #takenAt = 0;
  #pending = false;

  constructor(
    private readonly system: EmbeddedChatZmq,
    private readonly reader: ChatSession,
    private readonly counts: () => Counts,
  ) {}

  async get(): Promise<ChatZmqState> {
    // While one look is under way (it can take seconds with every server down) callers share it, so they never queue up.
    if (!this.#current || (!this.#pending && Date.now() - this.#takenAt > STATE_FRESH_MS)) {
      const taking = this.#take();
      this.#current = taking;
      this.#takenAt = Date.now();
      this.#pending = true;
      const settled = () => {
        if (this.#current === taking) this.#pending = false;
      };
      taking.then(settled, settled);
    }
    return { ...(await this.#current), ...this.counts() };
  }

  /** After a write: the next get() asks again. */
  readonly invalidate = (): void => {
    this.#current = undefined;
  };

  async #take(): Promise<Omit<ChatZmqState, keyof Counts>> {
    const [views, lists] = await Promise.all([this.system.servers(), this.#lists()]);
    for (const view of views) if (view.status) this.#lastStatus.set(view.name, view.status);
    const servers = views.map((view) => ({ ...view, rank: view.status?.rank ?? this.#lastStatus.get(view.name)?.rank ?? null }));
    const followed = new Set(servers.filter((server) => server.up).map((server) => server.status?.coordinator ?? null));
    const [only] = followed;
    const coordinator = followed.size === 1 && typeof only === 'string' && servers.some((server) => server.name === only && server.up) ? only : null;
    return { servers, coordinator, ...lists };
  }

  async #lists(): Promise<Pick<ChatZmqState, 'users' | 'channels' | 'listError'>> {
    try {
      return { users: await this.reader.users(), channels: await this.reader.channels() };
    } catch (err) {
      return { users: null, channels: null, listError: `no server answered users and channels: ${(err as Error).message}` };
    }
  }
}
