import { type ClockReading, berkeleyAdjustments, withinReadingError } from '../../domain/berkeley.ts';
import { parseTimestamp } from '../../domain/timestamp.ts';
import type { PeerDirectory } from './peer-directory.ts';
import type { ServerContext } from './server-context.ts';

export const BERKELEY_EVERY_MESSAGES = 10;

/**
 * The coordinator's side of Berkeley: every 10 handled messages, read every clock and send each its correction,
 * unless the correction is within that reading's error. On the wire `time` is a timestamp and `adjustment` is in
 * seconds, as `timestamp` is.
 */
export class BerkeleyRounds {
  rounds = 0;
  #handled = 0;
  #running = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly directory: PeerDirectory,
    private readonly isCoordinator: () => boolean,
    private readonly timeoutMs = 300,
  ) {}

  messageHandled(): void {
    if (++this.#handled % BERKELEY_EVERY_MESSAGES === 0 && this.isCoordinator()) void this.round();
  }

  async round(): Promise<Map<string, number> | undefined> {
    if (this.#running) return undefined;
    this.#running = true;
    try {
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
      return adjustments;
    } finally {
      this.#running = false;
    }
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
