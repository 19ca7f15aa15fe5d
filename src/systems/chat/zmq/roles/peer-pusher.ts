import type { ChatOp } from '../../domain/chat-op.ts';
import { countWithin } from '../wire/op-size.ts';

/** Ops per replicate request, and their size: a peer refuses requests over 64 KiB. */
export const MAX_BATCH_OPS = 256;
export const MAX_BATCH_BYTES = 40 * 1024;

interface Waiting {
  op: ChatOp;
  settle(acked: boolean): void;
}

/**
 * Pushes ops to one peer, one request at a time: ops that come while a request is out wait and go together
 * in the next one. Under load a request carries many ops (one round trip, one disk write at the peer); when
 * idle it carries one and adds no delay.
 */
export class PeerPusher {
  readonly #queue: Waiting[] = [];
  #sending = false;

  constructor(private readonly send: (ops: ChatOp[]) => Promise<boolean>) {}

  /** Resolves true once the peer holds the op, false when it did not say so in time. */
  push(op: ChatOp): Promise<boolean> {
    return new Promise((settle) => {
      this.#queue.push({ op, settle });
      if (!this.#sending) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    // A group commit resolves its writers one microtask after another, each pushing its op: waiting one
    // microtask lets the whole group go in the first request instead of one op now and the rest a round trip later.
    await Promise.resolve();
    while (this.#queue.length > 0) {
      const batch = this.#takeBatch();
      const acked = await this.send(batch.map((w) => w.op)).catch(() => false);
      for (const waiting of batch) waiting.settle(acked);
    }
    this.#sending = false;
  }

  #takeBatch(): Waiting[] {
    return this.#queue.splice(0, countWithin(this.#queue.map((w) => w.op), MAX_BATCH_BYTES, MAX_BATCH_OPS));
  }
}
