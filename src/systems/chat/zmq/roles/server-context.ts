import { LamportClock } from '../../domain/lamport-clock.ts';
import { PhysicalClock } from '../../domain/physical-clock.ts';
import { toWireTimestamp } from '../../domain/timestamp.ts';
import type { ChatMessage } from '../wire/chat-message.ts';

/** What every part of a server shares: its name, its Lamport clock and its Berkeley-adjusted physical clock. */
export class ServerContext {
  readonly clock = new LamportClock();
  readonly physical = new PhysicalClock();
  rank = 0;

  constructor(readonly name: string) {}

  /** A message about to be sent: stamped with the physical time and a ticked Lamport clock. */
  stamp(service: string, data: Record<string, unknown> = {}): ChatMessage {
    return { service, data: { ...data, timestamp: toWireTimestamp(this.physical.now()), clock: this.clock.tick() } };
  }

  observe(message: ChatMessage): void {
    this.clock.observe(message.data.clock);
  }
}
