import type { ChatOp } from '../../domain/chat-op.ts';
import { countWithin } from '../wire/op-size.ts';

/** Ops per replicate request, and their size: a peer refuses requests over 64 KiB. */
export const MAX_BATCH_OPS = 256;
export const MAX_BATCH_BYTES = 40 * 1024;
/**
 * How long an idle pusher waits for more ops before it sends. With the peer link on zeromq.js a request cost
 * enough that 1 ms of waiting paid off (writes +8 – 24 %); speaking ZMTP over node:net, a round trip is cheap
 * and the wait only added to each write's latency: writes 3,467, 2,999, 3,672 and 3,759 req/s without it
 * against 3,051, 2,857, 2,582 and 3,612 with 1 ms, in alternating runs. Even at 0 a group commit's ops still
 * go together: the pusher waits one microtask before it takes its first batch.
 */
export const REPLICATE_LINGER_MS = 0;

interface Waiting {
  op: ChatOp;
  settle(acked: boolean): void;
}

/**
 * Pushes ops to one peer, one request at a time: ops that come while a request is out wait and go together
 * in the next one, and an idle pusher lingers `lingerMs` first. Under load a request carries many ops (one
 * round trip, one disk write at the peer).
 */
export class PeerPusher {
  readonly #queue: Waiting[] = [];
  #sending = false;

  constructor(
    private readonly send: (ops: ChatOp[]) => Promise<boolean>,
    private readonly lingerMs = REPLICATE_LINGER_MS,
  ) {}

  /** Resolves true once the peer holds the op, false when it did not say so in time. */
  push(op: ChatOp): Promise<boolean> {
    return new Promise((settle) => {
      this.#queue.push({ op, settle });
      if (!this.#sending) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    // Never send at once: a group commit resolves its writers one microtask after another, each pushing its op,
    // and even without a linger a microtask's wait puts the whole group in the first request.
    await (this.lingerMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.lingerMs)) : Promise.resolve());
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
