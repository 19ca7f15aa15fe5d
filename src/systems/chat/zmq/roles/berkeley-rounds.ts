import { type ClockReading, berkeleyAdjustments, offsetOf, withinReadingError } from '../../domain/berkeley.ts';
import { parseTimestamp } from '../../domain/timestamp.ts';
import type { PeerDirectory } from './peer-directory.ts';
import type { ServerContext } from './server-context.ts';

export const BERKELEY_EVERY_MESSAGES = 10;

/**
 * Clock synchronisation at the course's cadence: every server counts the messages it handles and, every 10,
 * syncs. A server that is not the coordinator asks the coordinator for the time (`clock`) and moves its own
 * clock to it; the coordinator runs a Berkeley round: it reads every clock, and sends each its correction to
 * the average. A correction within its reading's error is not made. On the wire `time` is a timestamp and
 * `adjustment` is in seconds, as `timestamp` is.
 *
 * A server has at most one sync under way: one that comes due meanwhile is folded into it (`folded`), since
 * that sync is reading the clock at that very moment. A sync starts after the reply of the request that made it
 * due has gone out, never before it: it shares the event loop with the requests and publications.
 */
export class BerkeleyRounds {
  /** Syncs done: rounds run as the coordinator, and times read from the coordinator. */
  rounds = 0;
  /** Syncs that came due while one was under way, and were folded into it. */
  folded = 0;
  #handled = 0;
  #syncing = false;
  readonly #startSync = (): void => void this.#sync();

  constructor(
    private readonly ctx: ServerContext,
    private readonly directory: PeerDirectory,
    private readonly coordinator: () => string | undefined,
    private readonly timeoutMs = 300,
  ) {}

  messageHandled(): void {
    if (++this.#handled < BERKELEY_EVERY_MESSAGES) return;
    this.#handled = 0;
    if (this.#syncing) {
      this.folded++;
      return;
    }
    this.#syncing = true;
    setImmediate(this.#startSync);
  }

  async #sync(): Promise<void> {
    try {
      const coordinator = this.coordinator();
      if (coordinator === this.ctx.name) await this.#round();
      else if (coordinator !== undefined) await this.#followCoordinator(coordinator);
    } finally {
      this.#syncing = false;
    }
  }

  /** Reads the coordinator's clock and takes its time, unless the difference is within the reading's error. */
  async #followCoordinator(coordinator: string): Promise<void> {
    const reading = await this.#read(coordinator);
    if (!reading) return;
    const offset = offsetOf(reading);
    if (!withinReadingError(reading, offset)) this.ctx.physical.adjust(offset);
    this.rounds++;
  }

  async #round(): Promise<void> {
    const readings = await Promise.all(this.directory.peers().map((peer) => this.#read(peer.name)));
    const mine = this.ctx.physical.now();
    const all: ClockReading[] = [{ name: this.ctx.name, time: mine, sentAt: mine, receivedAt: mine }, ...readings.filter((r) => r !== undefined)];
    const adjustments = berkeleyAdjustments(all);
    const readingOf = new Map(all.map((r) => [r.name, r]));
    await Promise.all(
      [...adjustments].map(async ([name, adjustment]) => {
        if (name === this.ctx.name) return this.ctx.physical.adjust(adjustment);
        if (withinReadingError(readingOf.get(name)!, adjustment)) return;
        const reply = await this.directory.client(name)?.request(this.ctx.stamp('adjust', { adjustment: adjustment / 1_000 }), this.timeoutMs).catch(() => undefined);
        if (reply) this.ctx.observe(reply);
      }),
    );
    this.rounds++;
  }

  async #read(name: string): Promise<ClockReading | undefined> {
    const client = this.directory.client(name);
    if (!client) return undefined;
    const sentAt = this.ctx.physical.now();
    try {
      const reply = await client.request(this.ctx.stamp('clock'), this.timeoutMs);
      this.ctx.observe(reply);
      const time = parseTimestamp(reply.data.time);
      return time === undefined ? undefined : { name, time, sentAt, receivedAt: this.ctx.physical.now() };
    } catch {
      return undefined;
    }
  }
}
