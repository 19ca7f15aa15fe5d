import { type ChatOp, compareOps } from './chat-op.ts';

/** Names listed in the Lamport order of the op that first introduced each one. */
class FirstSeen {
  #first = new Map<string, ChatOp>();
  #listed: string[] | undefined;

  add(name: string, op: ChatOp): void {
    const known = this.#first.get(name);
    if (known !== undefined && compareOps(known, op) <= 0) return;
    this.#first.set(name, op);
    this.#listed = undefined;
  }

  has(name: string): boolean {
    return this.#first.has(name);
  }

  /** Forgets op as the name's introduction; the earliest of `others` (the name's remaining ops) takes its place. */
  remove(name: string, op: ChatOp, others: ChatOp[]): void {
    if (this.#first.get(name)?.id !== op.id) return;
    const next = others.reduce<ChatOp | undefined>((earliest, other) => (earliest && compareOps(earliest, other) <= 0 ? earliest : other), undefined);
    if (next) this.#first.set(name, next);
    else this.#first.delete(name);
    this.#listed = undefined;
  }

  list(): string[] {
    this.#listed ??= [...this.#first].sort(([, a], [, b]) => compareOps(a, b)).map(([name]) => name);
    return [...this.#listed];
  }
}

/**
 * Everything a chat server knows, built from ops in any order: the same set of ops gives the same state on
 * every replica. Applying an op twice is a no-op. It accepts any op; chat-rules decides what to accept.
 */
export class ChatState {
  #ids = new Set<string>();
  /** Kept sorted by compareOps. */
  #ops: ChatOp[] = [];
  #users = new FirstSeen();
  #channels = new FirstSeen();

  /** False when an op with this id was already applied. */
  apply(op: ChatOp): boolean {
    if (this.#ids.has(op.id)) return false;
    this.#ids.add(op.id);
    this.#ops.splice(this.#insertionIndex(op), 0, op);
    if (op.kind === 'login') this.#users.add(op.user, op);
    if (op.kind === 'channel') this.#channels.add(op.channel, op);
    return true;
  }

  /**
   * Takes back an applied op: for a write whose transaction failed, so that the state holds only what the log
   * holds and a retry of the same id is applied again. False when it was not applied.
   */
  remove(op: ChatOp): boolean {
    if (!this.#ids.delete(op.id)) return false;
    const at = this.#insertionIndex(op);
    const index = this.#ops[at]?.id === op.id ? at : this.#ops.findIndex((held) => held.id === op.id);
    this.#ops.splice(index, 1);
    if (op.kind === 'login') this.#users.remove(op.user, op, this.#ops.filter((o) => o.kind === 'login' && o.user === op.user));
    if (op.kind === 'channel') this.#channels.remove(op.channel, op, this.#ops.filter((o) => o.kind === 'channel' && o.channel === op.channel));
    return true;
  }

  #insertionIndex(op: ChatOp): number {
    const ops = this.#ops;
    if (ops.length === 0 || compareOps(ops[ops.length - 1]!, op) < 0) return ops.length;
    let lo = 0;
    let hi = ops.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOps(ops[mid]!, op) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** A user exists once it has logged in at least once. */
  hasUser(user: string): boolean {
    return this.#users.has(user);
  }

  hasChannel(channel: string): boolean {
    return this.#channels.has(channel);
  }

  /** Distinct users, in the order of their first login. */
  users(): string[] {
    return this.#users.list();
  }

  /** Distinct channels, in creation order; a name created twice on two replicas counts once. */
  channels(): string[] {
    return this.#channels.list();
  }

  /** Every op, in Lamport order. */
  ops(): ChatOp[] {
    return [...this.#ops];
  }

  get size(): number {
    return this.#ops.length;
  }
}
