import { isChatOp } from '../../domain/chat-op.ts';
import type { ChatMessage } from '../wire/chat-message.ts';
import { type FeedEvent, opEvent } from './feed-event.ts';

/** Messages kept per channel (and per user, for direct messages): what a page shows on join or reload. */
export const HISTORY_PER_TOPIC = 50;
/** Channels and users with a history kept; beyond it the one written to longest ago is forgotten. */
const MAX_TOPICS = 10_000;
const PAGE = 300;

/** One server's peer port, as the history reads it: which server answered, and its reply. */
export type AskServer = (message: ChatMessage) => Promise<{ server: string; reply: ChatMessage }>;

/**
 * The last messages of each channel and each user's direct messages, read from what a server holds: its log
 * over the peer port (`sync` for the ids after the last position read, `fetch` for the ops), the way servers
 * catch up with each other. Each read goes on from where the previous stopped; when another server answers
 * (the first went down), its log has its own positions, so the index is read again from the start.
 */
export class ChatHistory {
  readonly #topics = new Map<string, FeedEvent[]>();
  #server: string | undefined;
  #position = 0;
  #reading: Promise<void> | undefined;

  constructor(private readonly ask: AskServer) {}

  /** The recent messages on these topics, oldest first, after reading what the servers wrote since last time. */
  async recent(topics: readonly string[]): Promise<FeedEvent[]> {
    this.#reading ??= this.#readOn().finally(() => (this.#reading = undefined));
    await this.#reading;
    return topics.flatMap((topic) => this.#topics.get(topic) ?? []).sort((a, b) => (a.clock ?? 0) - (b.clock ?? 0));
  }

  async #readOn(): Promise<void> {
    while (true) {
      const { server, reply } = await this.ask({ service: 'sync', data: { after: this.#position, limit: PAGE } });
      if (server !== this.#server) {
        this.#server = server;
        if (this.#position !== 0) {
          this.#topics.clear();
          this.#position = 0;
          continue; // that page was read at the first server's position, which means nothing in this one's log
        }
      }
      const ids = strings(reply.data.ids);
      await this.#fetch(ids);
      const last = reply.data.lastSeq;
      if (typeof last !== 'number' || ids.length === 0 || last <= this.#position) return;
      this.#position = last;
      if (typeof reply.data.headSeq !== 'number' || last >= reply.data.headSeq) return;
    }
  }

  /** Fetches the ops by id; a reply holds what fits in its size, so this asks again for the rest. */
  async #fetch(ids: string[]): Promise<void> {
    let wanted = ids;
    while (wanted.length > 0) {
      const { reply } = await this.ask({ service: 'fetch', data: { ids: wanted } });
      const ops = Array.isArray(reply.data.ops) ? reply.data.ops.filter(isChatOp) : [];
      if (ops.length === 0) return;
      for (const op of ops) {
        const event = opEvent(op);
        if (event) this.#keep(event);
      }
      const got = new Set(ops.map((op) => op.id));
      wanted = wanted.filter((id) => !got.has(id));
    }
  }

  #keep(event: FeedEvent): void {
    const kept = this.#topics.get(event.topic) ?? [];
    this.#topics.delete(event.topic); // re-inserted last: the Map's order is the order topics were written to
    const same = kept.findIndex((held) => held.id === event.id);
    if (same !== -1) kept.splice(same, 1); // a newer version of the same write
    kept.push(event);
    if (kept.length > HISTORY_PER_TOPIC) kept.shift();
    this.#topics.set(event.topic, kept);
    if (this.#topics.size > MAX_TOPICS) this.#topics.delete(this.#topics.keys().next().value as string);
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
