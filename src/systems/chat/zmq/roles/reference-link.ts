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
    const reply = await this.#call('list', {});
    const list = reply.data.list;
    if (!Array.isArray(list)) throw new Error(`the reference answered list without a list: ${describe(reply)}`);
    return list.flatMap((entry: unknown) => {
      if (typeof entry !== 'object' || entry === null) return [];
      const { name, rank, address } = entry as Record<string, unknown>;
      if (typeof name !== 'string' || typeof rank !== 'number') return [];
      return [{ name, rank, ...(typeof address === 'string' ? { address } : {}) }];
    });
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
