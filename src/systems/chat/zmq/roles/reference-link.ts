import type { ChatMessage } from '../wire/chat-message.ts';
import { LazyPirateClient } from './lazy-pirate-client.ts';
import type { ServerEntry } from './peer-directory.ts';
import type { ServerContext } from './server-context.ts';

/** A server's side of the reference service: its rank, the list of live servers, and its heartbeats. */
export class ReferenceLink {
  readonly #client: LazyPirateClient;

  constructor(endpoint: string, private readonly ctx: ServerContext, timeoutMs = 1_000) {
    this.#client = new LazyPirateClient(endpoint, { timeoutMs, retries: 1 });
  }

  async rank(address: string): Promise<number> {
    const reply = await this.#call('rank', { user: this.ctx.name, address });
    const rank = rankIn(reply);
    if (rank === undefined) throw new Error(`the reference answered rank without a rank: ${describe(reply)}`);
    return rank;
  }

  async list(): Promise<ServerEntry[]> {
    return (await this.#list()).servers;
  }

  /**
   * The list once the reference awaits no server: a reference that restarted lists the live servers only as
   * they are heard from again, and says how many it still awaits (for a bounded time). One that does not say
   * (the course's own) is taken at its word.
   */
  async fullList(pollMs = 100): Promise<ServerEntry[]> {
    for (;;) {
      const { servers, awaiting } = await this.#list();
      if (awaiting === 0) return servers;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  async #list(): Promise<{ servers: ServerEntry[]; awaiting: number }> {
    const reply = await this.#call('list', {});
    const list = reply.data.list;
    if (!Array.isArray(list)) throw new Error(`the reference answered list without a list: ${describe(reply)}`);
    const servers = list.flatMap((entry: unknown) => {
      if (typeof entry !== 'object' || entry === null) return [];
      const { name, rank, address } = entry as Record<string, unknown>;
      if (typeof name !== 'string' || typeof rank !== 'number') return [];
      return [{ name, rank, ...(typeof address === 'string' ? { address } : {}) }];
    });
    const { awaiting } = reply.data;
    return { servers, awaiting: typeof awaiting === 'number' && awaiting > 0 ? awaiting : 0 };
  }

  /**
   * Carries the address and my rank, so that a reference that lost its state registers me again from the
   * heartbeat alone, with the same rank; resolves with the rank the reply gives (undefined from a reference that
   * gives none).
   */
  async heartbeat(address: string): Promise<number | undefined> {
    return rankIn(await this.#call('heartbeat', { user: this.ctx.name, address, ...(this.ctx.rank > 0 ? { rank: this.ctx.rank } : {}) }));
  }

  close(): void {
    this.#client.close();
  }

  async #call(service: string, data: Record<string, unknown>): Promise<ChatMessage> {
    const reply = await this.#client.request(this.ctx.stamp(service, data));
    this.ctx.observe(reply);
    if (reply.data.status === 'erro') throw new Error(`the reference refused ${service}: ${String(reply.data.description ?? reply.data.message)}`);
    return reply;
  }
}

function rankIn(reply: ChatMessage): number | undefined {
  const rank = reply.data.rank;
  return typeof rank === 'number' && Number.isInteger(rank) && rank > 0 ? rank : undefined;
}

function describe(message: ChatMessage): string {
  return JSON.stringify(message).slice(0, 200);
}
