import type { Bus } from '../../../../kit/bus/bus.ts';
import type { Subscription } from '../../../../kit/bus/transport.ts';
import type { Logger } from '../../../../kit/observe/log.ts';
import { fanoutOf } from './chat-ws-metrics.ts';

/**
 * A frame for local clients: to a room's subscribers (or only to those tracking its presence), but none of
 * `except`'s connections; or to one user's connections. The frame is encoded once, by the instance that made it.
 */
export type Delivery =
  | { room: string; frame: string; messageId?: string; except?: string; trackers?: boolean }
  | { userId: string; frame: string };

/** What goes on the channel, as the reference shapes it: who published it, and what. */
export interface BroadcastEnvelope {
  instance_id: string;
  payload: Delivery;
}

/** The reference's channel; each instance publishes there once per delivery and hears everyone else's. */
export const DEFAULT_CHANNEL = 'gosocket:broadcast';

/**
 * Cross-instance fan-out over the Bus's topics (Redis Pub/Sub on a cluster: the topic is the channel's name).
 * publish() delivers to this instance's clients first, then once to the channel; every other instance
 * delivers it to its own clients, and an instance ignores the envelopes it published itself. At most once, as
 * Pub/Sub is: a frame lost while an instance reconnects to Redis is recovered by clients from history.
 */
export class InstanceFanout {
  readonly #bus: Bus;
  readonly #channel: string;
  readonly #instanceId: string;
  readonly #deliver: (delivery: Delivery) => void;
  readonly #log: Logger;
  #subscription: Subscription | undefined;
  readonly #published = fanoutOf('published');
  readonly #received = fanoutOf('received');

  private constructor(bus: Bus, channel: string, instanceId: string, deliver: (delivery: Delivery) => void, log: Logger) {
    this.#bus = bus;
    this.#channel = channel;
    this.#instanceId = instanceId;
    this.#deliver = deliver;
    this.#log = log;
  }

  static async start(options: { bus: Bus; channel: string; instanceId: string; deliver: (delivery: Delivery) => void; log: Logger }): Promise<InstanceFanout> {
    const fanout = new InstanceFanout(options.bus, options.channel, options.instanceId, options.deliver, options.log);
    fanout.#subscription = await options.bus.subscribe<unknown>(options.channel, (message) => fanout.#onEnvelope(message.body));
    return fanout;
  }

  publish(delivery: Delivery): void {
    this.#deliver(delivery);
    this.broadcast(delivery);
  }

  /** To every other instance only: for a publisher with no clients of its own here (the bridge). */
  broadcast(delivery: Delivery): void {
    const envelope: BroadcastEnvelope = { instance_id: this.#instanceId, payload: delivery };
    this.#bus.publish(this.#channel, envelope).then(
      () => this.#published.inc(),
      (err: unknown) => this.#log.warn('a frame reached only this instance: the bus refused it', { channel: this.#channel, err }),
    );
  }

  async close(): Promise<void> {
    await this.#subscription?.cancel();
  }

  #onEnvelope(body: unknown): void {
    if (!isEnvelope(body)) {
      this.#log.warn('an envelope on the channel is not {instance_id, payload}; ignored', { channel: this.#channel });
      return;
    }
    if (body.instance_id === this.#instanceId) return;
    this.#received.inc();
    this.#deliver(body.payload);
  }
}

function isEnvelope(body: unknown): body is BroadcastEnvelope {
  if (typeof body !== 'object' || body === null) return false;
  const { instance_id: instance, payload } = body as Record<string, unknown>;
  if (typeof instance !== 'string' || typeof payload !== 'object' || payload === null) return false;
  const delivery = payload as Record<string, unknown>;
  return typeof delivery.frame === 'string' && (typeof delivery.room === 'string' || typeof delivery.userId === 'string');
}
