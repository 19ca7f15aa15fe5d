import type { ChatOp } from '../../domain/chat-op.ts';
import { isChatOp } from '../../domain/chat-op.ts';
import type { ChatState } from '../../domain/chat-state.ts';
import type { OpLog } from '../../store/op-log.ts';
import type { PeerDirectory } from './peer-directory.ts';
import { PeerUnavailableError } from './peer-rpc.ts';
import type { ServerContext } from './server-context.ts';

export const SYNC_PAGE_SIZE = 500;
/** A peer with no connection gets this long, not the full timeout, so one dead server does not stall every write. */
const DOWN_PEER_TIMEOUT_MS = 20;

export interface CommitOutcome {
  /** Peers that hold the op when commit resolves. */
  acked: string[];
  /** Peers that did not answer; anti-entropy brings the op to them later. */
  missed: string[];
}

/**
 * Every server holds every op. A write is made durable here, then pushed to every live peer and awaited
 * before the client hears OK (write-all-available), so a crash after the reply loses nothing. A peer that
 * was down pulls what it missed from each peer's log (anti-entropy), before it serves and then periodically.
 */
export class Replicator {
  /** Per peer: how far into its log I have read. */
  readonly #cursors = new Map<string, number>();
  /** Peers with no connection at the last push: not waited for until they answer again (they pull what they miss). */
  readonly #down = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #pulling = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly log: OpLog,
    private readonly state: ChatState,
    private readonly directory: PeerDirectory,
    private readonly timeoutMs = 1_000,
  ) {}

  /** Durable locally and applied; false when this op id is already here (a retried request). */
  applyLocal(op: ChatOp): boolean {
    if (!this.log.append(op)) return false;
    this.state.apply(op);
    return true;
  }

  async commit(op: ChatOp): Promise<CommitOutcome> {
    this.applyLocal(op);
    const outcome: CommitOutcome = { acked: [], missed: [] };
    await Promise.all(
      this.directory.peers().map(async (peer) => {
        const timeoutMs = this.#down.has(peer.name) ? DOWN_PEER_TIMEOUT_MS : this.timeoutMs;
        try {
          const reply = await this.directory.client(peer.name)!.request(this.ctx.stamp('replicate', { op }), timeoutMs);
          this.ctx.observe(reply);
          this.#down.delete(peer.name);
          (reply.data.status === 'erro' ? outcome.missed : outcome.acked).push(peer.name);
        } catch (err) {
          if (err instanceof PeerUnavailableError) this.#down.add(peer.name);
          outcome.missed.push(peer.name);
        }
      }),
    );
    return outcome;
  }

  /** A peer's push; throws with the reason when it is not an op. */
  receive(op: unknown): boolean {
    if (!isChatOp(op)) throw new Error('data.op is not a chat op');
    this.ctx.clock.observe(op.clock);
    return this.applyLocal(op);
  }

  /** Pulls every op I lack from every live peer; resolves with how many were new. */
  async catchUp(): Promise<number> {
    if (this.#pulling) return 0;
    this.#pulling = true;
    try {
      const before = this.state.size;
      for (const peer of this.directory.peers()) await this.#pullFrom(peer.name).catch(() => undefined);
      return this.state.size - before;
    } finally {
      this.#pulling = false;
    }
  }

  startAntiEntropy(intervalMs: number): void {
    this.#timer = setInterval(() => void this.catchUp(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Reads the peer's log from where I left it to its end, one page at a time. */
  async #pullFrom(name: string): Promise<void> {
    const client = this.directory.client(name);
    if (!client) return;
    for (;;) {
      const after = this.#cursors.get(name) ?? 0;
      const reply = await client.request(this.ctx.stamp('sync', { after, limit: SYNC_PAGE_SIZE }), this.timeoutMs * 2);
      this.ctx.observe(reply);
      const { ops, lastSeq, headSeq } = reply.data;
      if (!Array.isArray(ops) || typeof lastSeq !== 'number' || typeof headSeq !== 'number') throw new Error(`${name} answered sync without ops`);
      if (headSeq < after) {
        // The peer's log is shorter than what I read of it: it lost its disk. Read it again from the start.
        this.#cursors.set(name, 0);
        continue;
      }
      for (const op of ops) if (isChatOp(op)) this.applyLocal(op);
      this.#cursors.set(name, Math.max(after, lastSeq));
      // Pages are cut to a size in bytes as well, so a short page does not mean the end of the log.
      if (ops.length === 0 || lastSeq >= headSeq) return;
    }
  }
}
