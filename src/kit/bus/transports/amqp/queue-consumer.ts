import type { Channel, ConsumeMessage } from 'amqplib';
import { createLogger } from '../../../observe/log.ts';
import type { Envelope } from '../../envelope.ts';
import type { Delivery } from '../../transport.ts';
import { AckRun } from './ack-run.ts';
import type { AmqpLink } from './link.ts';
import { fromMessage } from './properties.ts';
import { type Attachment, Resumable } from './resumable.ts';
import type { Session } from './session.ts';
import { isNotFound } from './topology.ts';

const log = createLogger('bus.amqp');

export interface QueueConsumerSpec {
  queue: string;
  prefetch: number;
  declare(session: Session): Promise<void>;
  onDelivery(delivery: Delivery): void;
}

/** The queue was deleted under a consumer; it waits for someone to declare it again. */
class QueueGoneError extends Error {
  override name = 'QueueGoneError';
}

interface ConsumerChannel extends Attachment {
  channel: Channel;
  consumerTag: string;
  open: boolean;
  unacked: number;
  cancelled: boolean;
  acks: AckRun;
}

/**
 * One consume(): a channel of its own with basic.qos(prefetch), so RabbitMQ never has more than
 * `prefetch` unacked deliveries out to it. A delivery from a connection that has since dropped cannot be
 * acked any more: its ack does nothing, and the broker redelivers the message (redelivered = true).
 */
export class QueueConsumer extends Resumable<ConsumerChannel> {
  /** Set when the broker cancelled us because the queue was deleted: then we wait for it, not recreate it. */
  #queueGone = false;

  constructor(
    link: AmqpLink,
    private readonly spec: QueueConsumerSpec,
  ) {
    super(link, `consumer of ${spec.queue}`);
  }

  protected async attach(session: Session): Promise<ConsumerChannel> {
    if (this.#queueGone) await this.#checkQueueIsBack(session);
    else await this.spec.declare(session);
    const channel = await session.openChannel();
    const acks = new AckRun((message, multiple) => {
      try {
        if (state.open) channel.ack(message, multiple);
      } catch {
        // the connection is closing: the broker requeues the message
      }
    });
    const state: ConsumerChannel = { session, channel, consumerTag: '', open: true, unacked: 0, cancelled: false, acks };
    channel.once('close', () => {
      state.open = false;
      // A channel error on a live connection; after a drop, the new session brings us back instead.
      if (session.alive && !state.cancelled) this.resumeSoon(1_000);
    });
    try {
      await channel.prefetch(this.spec.prefetch);
      state.consumerTag = (await channel.consume(this.spec.queue, (message) => this.#onMessage(state, message), { noAck: false })).consumerTag;
    } catch (err) {
      channel.close().catch(() => {});
      throw err;
    }
    if (this.stopped) await this.#cancelOn(state);
    this.#queueGone = false;
    return state;
  }

  async #checkQueueIsBack(session: Session): Promise<void> {
    try {
      await session.withChannel((channel) => channel.checkQueue(this.spec.queue));
    } catch (err) {
      if (isNotFound(err)) throw new QueueGoneError(`queue "${this.spec.queue}" does not exist (yet)`);
      throw err;
    }
  }

  protected override expected(err: unknown): boolean {
    return err instanceof QueueGoneError;
  }

  protected override isLive(state: ConsumerChannel): boolean {
    return state.open && !state.cancelled;
  }

  /** Takes no new deliveries; those handed out can still be acked, and the channel closes after the last. */
  async cancel(): Promise<void> {
    if (this.stopped) return;
    this.stop();
    const state = this.attachment;
    if (state?.open) await this.#cancelOn(state);
  }

  async #cancelOn(state: ConsumerChannel): Promise<void> {
    if (state.cancelled) return;
    state.cancelled = true;
    await state.channel.cancel(state.consumerTag).catch(() => {});
    this.#closeIfIdle(state);
  }

  #onMessage(state: ConsumerChannel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us because the queue was deleted. Like the other transports, go on consuming
      // once something sends to it again, without recreating it ourselves.
      log.info('the queue was deleted under its consumer; it resumes when the queue is declared again', { queue: this.spec.queue });
      this.#queueGone = true;
      state.cancelled = true;
      this.#closeIfIdle(state);
      this.resumeSoon(1_000);
      return;
    }
    state.unacked++;
    state.acks.add(message);
    try {
      this.spec.onDelivery(new QueueDelivery(fromMessage(message), message, state, this));
    } catch (err) {
      // Thrown inside amqplib's event, it would close the channel; the message stays unacked instead.
      log.error('a delivery handler threw', { queue: this.spec.queue, err });
    }
  }

  /** A delivery's ack, once; it leaves with the others of this turn (AckRun). */
  acked(state: ConsumerChannel, message: ConsumeMessage): void {
    state.unacked--;
    state.acks.ack(message);
    this.#closeIfIdle(state);
  }

  #closeIfIdle(state: ConsumerChannel): void {
    if (!state.cancelled || state.unacked !== 0 || !state.open) return;
    state.acks.flush();
    state.channel.close().catch(() => {});
  }
}

const settled: Promise<void> = Promise.resolve();

/** A class rather than an object with an ack closure: nothing is made per delivery beyond this. */
class QueueDelivery implements Delivery {
  readonly redelivered: boolean;
  #acked = false;

  constructor(
    readonly envelope: Envelope,
    private readonly message: ConsumeMessage,
    private readonly state: ConsumerChannel,
    private readonly consumer: QueueConsumer,
  ) {
    this.redelivered = message.fields.redelivered;
  }

  ack(): Promise<void> {
    if (!this.#acked) {
      this.#acked = true;
      this.consumer.acked(this.state, this.message);
    }
    return settled;
  }
}
