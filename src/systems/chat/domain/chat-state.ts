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
