import { type ChatOp, compareOps, isChatOp, versionPrecedes } from '../../domain/chat-op.ts';
import type { ChatState } from '../../domain/chat-state.ts';
import type { OpLog } from '../../store/op-log.ts';
import type { PeerDirectory } from './peer-directory.ts';
import { PeerPusher } from './peer-pusher.ts';
import { PeerUnavailableError } from './peer-rpc.ts';
import type { ServerContext } from './server-context.ts';

export const SYNC_PAGE_SIZE = 300;
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
  readonly #pushers = new Map<string, PeerPusher>();
  #unwritten: ChatOp[] = [];
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #pulling = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly log: OpLog,
    private readonly state: ChatState,
    private readonly directory: PeerDirectory,
    private readonly timeoutMs = 1_000,
  ) {}

  /**
   * Durable locally and applied; false when this op id is already here (a retried request), unless op is a
   * version of it that sorts first, which then takes its place.
   */
  applyLocal(op: ChatOp): boolean {
    // The state holds what the log holds: asking it first spares the disk a write it would ignore.
    if (this.state.has(op.id)) return this.#adopt(op);
    if (!this.log.append(op)) return false;
    this.state.apply(op);
    return true;
  }

  /** Keeps, of two versions of one id, the one that sorts first, so that every replica ends with the same. */
  #adopt(op: ChatOp): boolean {
    const held = this.state.get(op.id);
    if (!held || compareOps(op, held) >= 0) return false;
    this.log.replace(op);
    this.state.replace(op);
    return true;
  }

  /** `onDurable` runs once the op is on my disk, before the peers have it. */
  async commit(op: ChatOp, onDurable?: () => void): Promise<CommitOutcome> {
    this.state.apply(op);
    await this.#durable([op]);
    onDurable?.();
    const outcome: CommitOutcome = { acked: [], missed: [] };
    await Promise.all(
      this.directory.peers().map(async (peer) => {
        (await this.#pusher(peer.name).push(op) ? outcome.acked : outcome.missed).push(peer.name);
      }),
    );
    return outcome;
  }

  /**
   * A peer's push of one op (`op`) or several (`ops`): applied at once, and resolved with how many were new once
   * they are on disk, in the same group commit as this turn's own writes. Throws with the reason when they are not ops.
   */
  async receive(data: Record<string, unknown>): Promise<number> {
    const ops = Array.isArray(data.ops) ? data.ops : data.op === undefined ? undefined : [data.op];
    if (!ops || ops.length === 0) throw new Error('replicate needs data.ops, a list of chat ops');
    if (!ops.every(isChatOp)) throw new Error('data.ops holds something that is not a chat op');
    for (const op of ops) this.ctx.clock.observe(op.clock);
    const fresh: ChatOp[] = [];
    for (const op of ops) {
      if (!this.state.has(op.id)) fresh.push(op);
      else this.#adopt(op);
    }
    for (const op of fresh) this.state.apply(op);
    if (fresh.length > 0) await this.#durable(fresh);
    return fresh.length;
  }

  /**
   * Group commit: the ops of one event-loop turn (several REP sockets' requests and peers' pushes) reach the
   * disk in one transaction. The state has them at once, so the rules see them; no reply goes out before the
   * disk has them, and if the transaction fails they leave the state again.
   */
  #durable(ops: ChatOp[]): Promise<void> {
    this.#unwritten.push(...ops);
    this.#writing ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const ops = this.#unwritten.splice(0);
        this.#writing = undefined;
        try {
          this.log.appendMany(ops);
          resolve();
        } catch (err) {
          // The transaction rolled back: so does the state, or a retry of the same id would be told OK for a
          // write that is on no disk.
          for (const op of ops) this.state.remove(op);
          reject(err as Error);
        }
      });
    });
    return this.#writing;
  }

  /** A peer that has just started (again) is waited for in full from its first push, not given a down peer's 20 ms. */
  peerJoined(name: string): void {
    this.#down.delete(name);
  }

  #pusher(name: string): PeerPusher {
    let pusher = this.#pushers.get(name);
    if (!pusher) {
      pusher = new PeerPusher((ops) => this.#send(name, ops));
      this.#pushers.set(name, pusher);
    }
    return pusher;
  }

  async #send(name: string, ops: ChatOp[]): Promise<boolean> {
    const client = this.directory.client(name);
    if (!client) return false;
    const timeoutMs = this.#down.has(name) ? DOWN_PEER_TIMEOUT_MS : this.timeoutMs;
    try {
      const reply = await client.request(this.ctx.stamp('replicate', { ops }), timeoutMs);
      this.ctx.observe(reply);
      this.#down.delete(name);
      return reply.data.status !== 'erro';
    } catch (err) {
      if (err instanceof PeerUnavailableError) this.#down.add(name);
      return false;
    }
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

  /**
   * Reads the ids in the peer's log from where I left it to its end, one page at a time, and fetches only the
   * ops I lack: in the normal case, when every push arrived, nothing but ids crosses.
   */
  async #pullFrom(name: string): Promise<void> {
    const client = this.directory.client(name);
    if (!client) return;
    const ask = async (service: string, data: Record<string, unknown>) => {
      const reply = await client.request(this.ctx.stamp(service, data), this.timeoutMs * 2);
      this.ctx.observe(reply);
      if (reply.data.status === 'erro') throw new Error(`${name} refused ${service}: ${String(reply.data.description)}`);
      return reply.data;
    };
    for (;;) {
      const after = this.#cursors.get(name) ?? 0;
      const { ids, versions, lastSeq, headSeq } = await ask('sync', { after, limit: SYNC_PAGE_SIZE });
      if (!Array.isArray(ids) || typeof lastSeq !== 'number' || typeof headSeq !== 'number') throw new Error(`${name} answered sync without ids`);
      if (headSeq < after) {
        // The peer's log is shorter than what I read of it: it lost its disk. Read it again from the start.
        this.#cursors.set(name, 0);
        continue;
      }
      // An id I lack, or hold in a version that sorts after the peer's (a retry written on two servers).
      const listed: unknown[] = Array.isArray(versions) ? versions : []; // a peer from before versions lists none
      const versionOf = new Map<string, string>();
      ids.forEach((id, i) => typeof id === 'string' && versionOf.set(id, typeof listed[i] === 'string' ? listed[i] : ''));
      const lacking = (id: string) => {
        const held = this.state.get(id);
        return !held || versionPrecedes(versionOf.get(id)!, held);
      };
      let missing = [...versionOf.keys()].filter(lacking);
      while (missing.length > 0) {
        const { ops } = await ask('fetch', { ids: missing });
        if (!Array.isArray(ops) || ops.length === 0) break; // it listed them but cannot give them: the next round retries
        for (const op of ops) if (isChatOp(op)) this.applyLocal(op);
        const before = missing.length;
        missing = missing.filter(lacking);
        if (missing.length === before) break;
      }
      if (missing.length > 0) return;
      this.#cursors.set(name, Math.max(after, lastSeq));
      if (ids.length === 0 || lastSeq >= headSeq) return;
    }
  }
}
