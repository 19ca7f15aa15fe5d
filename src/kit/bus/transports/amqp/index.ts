import type { Envelope } from '../../envelope.ts';
import { QueueFullError } from '../../errors.ts';
import { type ConsumeOptions, type Delivery, type SendOptions, type Subscription, type Transport, type TransportOptions, DEFAULT_MAX_QUEUE_LENGTH, deadLetterQueue } from '../../transport.ts';
import { AmqpLink } from './link.ts';
import { ChannelLostError, type ConfirmOutlet, NackedError, UnroutableError } from './outlet.ts';
import { fromMessage, toContent, toPublishFields } from './properties.ts';
import { QueueConsumer } from './queue-consumer.ts';
import { ReplyConsumer } from './reply-consumer.ts';
import type { Session } from './session.ts';
import { TopicSubscription } from './topic-subscription.ts';
import {
  DELAY_QUEUE_REFRESH_MS, REPLY_TO, TOPIC_EXCHANGE, declareQueue, delayBucket, delayQueue, delayQueueArguments, isDeadLetterQueue, isNotFound, queueArguments,
} from './topology.ts';

/**
 * The RabbitMQ transport. Topics go through one topic exchange; queues are durable RabbitMQ queues named
 * exactly as the queue, so a plain client publishing to the default exchange reaches them, and messages
 * carry native AMQP properties (amqp/properties.ts). The topology is in amqp/topology.ts.
 *
 * Durable sends and replies go out on a confirm channel and resolve when the broker confirms. A send that
 * was in flight, or attempted, while the connection was down is published again once it is back (a
 * duplicate is possible, a loss is not); after SEND_TIMEOUT_MS without a connection it rejects.
 */
const SEND_TIMEOUT_MS = 30_000;
/** Retries on a live connection whose channel closed, or whose queue vanished, before giving up. */
const MAX_RETRIES_ON_LIVE_CONNECTION = 5;

interface Target {
  /** The queue a full-queue error names. */
  queue: string;
  routingKey: string;
  persistent: boolean;
  /** Declares what routingKey routes to (undefined when it already is); absent for replies. */
  declare?: (session: Session, target: Target) => Promise<void> | undefined;
  /** A request: it must go out on the reply channel (direct reply-to). */
  viaReplies?: boolean;
}

export class AmqpTransport implements Transport {
  readonly kind = 'amqp';
  readonly #link: AmqpLink;
  readonly #maxQueueLength: number;
  readonly #plainQueues: ReadonlySet<string>;
  readonly #resumables = new Set<QueueConsumer | TopicSubscription>();
  /** Delay buckets this process has used, per queue, for deleteQueue. */
  readonly #delayBuckets = new Map<string, Set<number>>();
  #replies: ReplyConsumer | undefined;
  #closed = false;
  /** A target's declare for a plain send, made once rather than a closure per message. */
  readonly #declareQueue = (session: Session, target: Target) => this.#declare(session, target.queue);

  constructor(link: AmqpLink, options: TransportOptions) {
    this.#link = link;
    this.#maxQueueLength = options.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH;
    this.#plainQueues = new Set(options.plainQueues);
  }

  async publish(topic: string, envelope: Envelope): Promise<void> {
    for (let tries = 1; ; tries++) {
      const session = await this.#link.session(SEND_TIMEOUT_MS);
      try {
        const outlet = await session.plainOutlet();
        return await outlet.publish(toPublishFields(TOPIC_EXCHANGE, topic, envelope, false), toContent(envelope));
      } catch (err) {
        if (!isTransient(err, session) || tries >= MAX_RETRIES_ON_LIVE_CONNECTION) throw err;
      }
    }
  }

  async subscribe(pattern: string, onMessage: (envelope: Envelope) => void): Promise<Subscription> {
    return this.#start(new TopicSubscription(this.#link, pattern, this.#maxQueueLength, onMessage));
  }

  async send(queue: string, envelope: Envelope, options: SendOptions = {}): Promise<void> {
    const viaReplies = this.#replies !== undefined && envelope.replyTo === REPLY_TO;
    if (options.delayMs && options.delayMs > 0) {
      const bucket = delayBucket(options.delayMs);
      const name = delayQueue(queue, bucket);
      this.#rememberBucket(queue, bucket);
      const declare = async (session: Session) => {
        await this.#declare(session, queue);
        await session.declareOnce(name, (ch) => declareQueue(ch, name, delayQueueArguments(queue, bucket, this.#maxQueueLength)), DELAY_QUEUE_REFRESH_MS);
      };
      return this.#deliver({ queue, routingKey: name, persistent: true, declare, viaReplies }, envelope);
    }
    // A request (anything with a replyTo, including one a router forwards) dies with its caller's reply-to if the
    // broker restarts, so writing it to disk buys nothing; at low rates each persistent message cost an fsync.
    const persistent = !envelope.replyTo;
    return this.#deliver({ queue, routingKey: queue, persistent, declare: this.#declareQueue, viaReplies }, envelope);
  }

  async consume(queue: string, onDelivery: (delivery: Delivery) => void, options: ConsumeOptions): Promise<Subscription> {
    const consumer = new QueueConsumer(this.#link, {
      queue,
      prefetch: options.prefetch,
      declare: async (session) => await this.#declare(session, queue),
      onDelivery,
    });
    return this.#start(consumer);
  }

  async get(queue: string): Promise<Delivery | undefined> {
    const session = await this.#link.session(SEND_TIMEOUT_MS);
    const channel = await session.openChannel();
    const message = await channel.get(queue, { noAck: false }).catch((err: unknown) => {
      if (isNotFound(err)) return false as const;
      throw err;
    });
    if (message === false) {
      await channel.close().catch(() => {});
      return undefined;
    }
    // Held on its own channel until acked; if that never happens, closing the connection requeues it.
    let settled = false;
    return {
      envelope: fromMessage(message),
      redelivered: message.fields.redelivered,
      ack: async () => {
        if (settled) return;
        settled = true;
        try {
          channel.ack(message);
          await channel.close();
        } catch {
          // the channel is gone, and the broker has requeued the message
        }
      },
    };
  }

  /**
   * basic.get without acks, then the channel closes and RabbitMQ puts everything back in place, marked
   * redelivered: a Bus consumer of a browsed queue would count one more attempt. Bus only browses
   * dead-letter queues, which nobody consumes.
   */
  async browse(queue: string, limit: number): Promise<Envelope[]> {
    const count = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 10_000;
    if (count === 0) return [];
    const session = await this.#link.session(SEND_TIMEOUT_MS);
    return session.withChannel(async (channel) => {
      const found: Envelope[] = [];
      while (found.length < count) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        found.push(fromMessage(message));
      }
      return found;
    }).catch((err: unknown) => {
      if (isNotFound(err)) return [];
      throw err;
    });
  }

  /**
   * Deletes the queue, its dead-letter queue and the delay buckets this process used. Buckets of other
   * processes expire within a minute of their last use; what they still hold is dropped when it comes
   * due, as it dead-letters into a queue that no longer exists (unless the queue is declared again).
   */
  async deleteQueue(queue: string): Promise<void> {
    const session = await this.#link.session(SEND_TIMEOUT_MS);
    const buckets = [...(this.#delayBuckets.get(queue) ?? [])].map((bucket) => delayQueue(queue, bucket));
    this.#delayBuckets.delete(queue);
    for (const name of [queue, deadLetterQueue(queue), ...buckets]) {
      session.forget(name);
      await session.withChannel((channel) => channel.deleteQueue(name)).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }

  async openReplies(onReply: (envelope: Envelope) => void): Promise<string> {
    if (!this.#replies) {
      const replies = new ReplyConsumer(this.#link, onReply);
      this.#replies = replies;
      try {
        await replies.start(SEND_TIMEOUT_MS);
      } catch (err) {
        this.#replies = undefined;
        throw err;
      }
    }
    return REPLY_TO;
  }

  /** To the default exchange: a direct reply-to address, or a plain client's own reply queue. */
  async reply(address: string, envelope: Envelope): Promise<void> {
    await this.#deliver({ queue: address, routingKey: address, persistent: false }, envelope);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const resumable of this.#resumables) resumable.stop();
    this.#resumables.clear();
    this.#replies?.stop();
    await this.#link.close();
  }

  async #start(resumable: QueueConsumer | TopicSubscription): Promise<Subscription> {
    await resumable.start(SEND_TIMEOUT_MS);
    this.#resumables.add(resumable);
    return {
      cancel: async () => {
        this.#resumables.delete(resumable);
        await resumable.cancel();
      },
    };
  }

  /** Publishes on a confirm channel until the broker confirms, through reconnects. */
  async #deliver(target: Target, envelope: Envelope): Promise<void> {
    const content = toContent(envelope);
    const fields = toPublishFields('', target.routingKey, envelope, target.persistent, target.declare !== undefined);
    let deadline: number | undefined;
    let retriesOnLive = 0;
    while (true) {
      // The common case (connected, queue declared, channel open) takes no detours through promises.
      let session = this.#link.current;
      if (!session) {
        deadline ??= Date.now() + SEND_TIMEOUT_MS;
        session = await this.#link.session(Math.max(1, deadline - Date.now()));
      }
      try {
        const declaring = target.declare?.(session, target);
        if (declaring) await declaring;
        const outlet = (!target.viaReplies && session.readyConfirmOutlet()) || (await this.#outletFor(session, target));
        await outlet.confirm(fields, content);
        return;
      } catch (err) {
        if (err instanceof NackedError) throw new QueueFullError(target.queue);
        if (err instanceof UnroutableError) {
          session.forget(target.routingKey);
          session.forget(target.queue);
        } else if (!isTransient(err, session)) {
          throw err;
        }
        if (session.alive && ++retriesOnLive > MAX_RETRIES_ON_LIVE_CONNECTION) throw err;
      }
    }
  }

  #outletFor(session: Session, target: Target): Promise<ConfirmOutlet> {
    if (target.viaReplies && this.#replies) return this.#replies.outlet(session, SEND_TIMEOUT_MS);
    return session.confirmOutlet();
  }

  /** A queue, and its dead-letter queue first, since the queue dead-letters into it; a plain queue alone. */
  #declare(session: Session, queue: string): Promise<void> | undefined {
    if (session.declared(queue)) return undefined; // the hot path: no closures made
    if (this.#plainQueues.has(queue)) return session.declareOnce(queue, (ch) => declareQueue(ch, queue, {}));
    const max = this.#maxQueueLength;
    if (isDeadLetterQueue(queue)) return session.declareOnce(queue, (ch) => declareQueue(ch, queue, queueArguments(queue, max)));
    const dlq = deadLetterQueue(queue);
    return session.declareOnce(queue, async (ch) => {
      await declareQueue(ch, dlq, queueArguments(dlq, max));
      await declareQueue(ch, queue, queueArguments(queue, max));
    });
  }

  #rememberBucket(queue: string, bucket: number): void {
    let buckets = this.#delayBuckets.get(queue);
    if (!buckets) this.#delayBuckets.set(queue, (buckets = new Set()));
    buckets.add(bucket);
  }
}

/** The connection dropped, or a channel closed under the call: worth another try. */
function isTransient(err: unknown, session: Session): boolean {
  return !session.alive || err instanceof ChannelLostError;
}

export async function createAmqpTransport(url: URL, options: TransportOptions): Promise<Transport> {
  return new AmqpTransport(await AmqpLink.open(url), options);
}
