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
  #byId = new Map<string, ChatOp>();
  /** Kept sorted by compareOps. */
  #ops: ChatOp[] = [];
  #users = new FirstSeen();
  #channels = new FirstSeen();

  /** False when an op with this id was already applied. */
  apply(op: ChatOp): boolean {
    if (this.#byId.has(op.id)) return false;
    this.#byId.set(op.id, op);
    this.#ops.splice(this.#insertionIndex(op), 0, op);
    if (op.kind === 'login') this.#users.add(op.user, op);
    if (op.kind === 'channel') this.#channels.add(op.channel, op);
    return true;
  }

  /**
   * Takes back the op held under op's id: for a write whose transaction failed, so that the state holds only
   * what the log holds and a retry of the same id is applied again. False when none is held.
   */
  remove(op: ChatOp): boolean {
    const held = this.#byId.get(op.id);
    if (!held) return false;
    this.#byId.delete(held.id);
    const at = this.#insertionIndex(held);
    this.#ops.splice(this.#ops[at]?.id === held.id ? at : this.#ops.findIndex((o) => o.id === held.id), 1);
    if (held.kind === 'login') this.#users.remove(held.user, held, this.#ops.filter((o) => o.kind === 'login' && o.user === held.user));
    if (held.kind === 'channel') this.#channels.remove(held.channel, held, this.#ops.filter((o) => o.kind === 'channel' && o.channel === held.channel));
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
    return this.#byId.has(id);
  }

  /** The op held under this id. */
  get(id: string): ChatOp | undefined {
    return this.#byId.get(id);
  }

  /** Puts op in the place of the op held under its id (another version of the same request). */
  replace(op: ChatOp): void {
    this.remove(op);
    this.apply(op);
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
