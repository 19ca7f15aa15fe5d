import { randomUUID } from 'node:crypto';
import type { Envelope } from '../../envelope.ts';
import { QueueFullError } from '../../errors.ts';
import { type ConsumeOptions, type Delivery, type SendOptions, type Subscription, type Transport, type TransportOptions, DEFAULT_MAX_QUEUE_LENGTH, deadLetterQueue } from '../../transport.ts';
import { duplicateConnection, openConnection } from './connection.ts';
import { coalesceThisTick } from './coalesce-writes.ts';
import { DelayedMover, delayedKey } from './delayed-mover.ts';
import { fromStreamFields, packFieldList, packMessage, toStreamFields } from './fields.ts';
import { rangeEntries } from './replies.ts';
import type { ScriptedRedis } from './scripts.ts';
import { StreamConsumer } from './stream-consumer.ts';
import { TopicHub } from './topics.ts';

/**
 * The Redis transport. Topics are Pub/Sub; queues are Streams named after the queue, read through one
 * consumer group, so plain Redis clients can XADD to a queue and read what the bus sent. The field layout
 * is in redis/fields.ts. Delayed messages wait in a sorted set `<queue>.delayed`.
 *
 * Connections: one for commands, one for subscriptions (opened on first use), and one per consume() for
 * its blocking reads.
 */
export const CONSUMER_GROUP = 'mensageiro';
const REPLY_CHANNEL_PREFIX = 'mensageiro.reply.';

export class RedisTransport implements Transport {
  readonly kind = 'redis';
  readonly #url: URL;
  readonly #command: ScriptedRedis;
  readonly #claimIdleMs: number;
  readonly #maxQueueLength: number;
  readonly #mover: DelayedMover;
  readonly #consumers = new Set<StreamConsumer>();
  #topics: TopicHub | undefined;
  #replyAddress: Promise<string> | undefined;
  #closed = false;

  constructor(url: URL, command: ScriptedRedis, options: TransportOptions) {
    this.#url = url;
    this.#command = command;
    this.#claimIdleMs = options.claimIdleMs ?? 30_000;
    this.#maxQueueLength = options.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH;
    this.#mover = new DelayedMover(command);
  }

  async publish(topic: string, envelope: Envelope): Promise<void> {
    coalesceThisTick(this.#command);
    await this.#command.publish(topic, packMessage(envelope));
  }

  async subscribe(pattern: string, onMessage: (envelope: Envelope) => void): Promise<Subscription> {
    const remove = await this.#hub().add(pattern, onMessage);
    return { cancel: remove };
  }

  async send(queue: string, envelope: Envelope, options: SendOptions = {}): Promise<void> {
    if (options.delayMs && options.delayMs > 0) {
      const accepted = await this.#command.busSendDelayed(queue, delayedKey(queue), this.#maxQueueLength, Math.ceil(options.delayMs), packFieldList(envelope));
      if (accepted === 0) throw new QueueFullError(queue);
      this.#mover.sentDelayed(queue);
      return;
    }
    coalesceThisTick(this.#command);
    const id = await this.#command.busSend(queue, this.#maxQueueLength, ...toStreamFields(envelope));
    if (id === null) throw new QueueFullError(queue);
  }

  async consume(queue: string, onDelivery: (delivery: Delivery) => void, options: ConsumeOptions): Promise<Subscription> {
    await this.#createGroup(queue, true);
    const consumer = new StreamConsumer({
      queue,
      group: CONSUMER_GROUP,
      prefetch: options.prefetch,
      claimIdleMs: this.#claimIdleMs,
      command: this.#command,
      blocking: duplicateConnection(this.#command, this.#url, `mensageiro:consume:${queue}`),
      recreateGroup: () => this.#createGroup(queue, false),
      onDelivery,
    });
    const unwatch = this.#mover.consuming(queue);
    this.#consumers.add(consumer);
    consumer.start();
    return {
      cancel: async () => {
        unwatch();
        await consumer.cancel();
        // One still holding deliveries stays known, so close() stops its refresh timer.
        if (consumer.drained) this.#consumers.delete(consumer);
      },
    };
  }

  async get(queue: string): Promise<Delivery | undefined> {
    const [entry] = rangeEntries(await this.#command.xrangeBuffer(queue, '-', '+', 'COUNT', 1));
    if (!entry?.fields) return undefined;
    return {
      envelope: fromStreamFields(entry.id, entry.fields),
      redelivered: false,
      ack: async () => void (await this.#command.xdel(queue, entry.id)),
    };
  }

  async browse(queue: string, limit: number): Promise<Envelope[]> {
    const count = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 10_000;
    if (count === 0) return [];
    const entries = rangeEntries(await this.#command.xrangeBuffer(queue, '-', '+', 'COUNT', count));
    return entries.flatMap((entry) => (entry.fields ? [fromStreamFields(entry.id, entry.fields)] : []));
  }

  async deleteQueue(queue: string): Promise<void> {
    await this.#command.del(queue, deadLetterQueue(queue), delayedKey(queue));
  }

  openReplies(onReply: (envelope: Envelope) => void): Promise<string> {
    this.#replyAddress ??= (async () => {
      const address = `${REPLY_CHANNEL_PREFIX}${randomUUID()}`;
      await this.#hub().add(address, onReply);
      return address;
    })();
    return this.#replyAddress;
  }

  async reply(address: string, envelope: Envelope): Promise<void> {
    coalesceThisTick(this.#command);
    await this.#command.publish(address, packMessage(envelope));
  }

  /** Drops every connection at once: unacked deliveries stay pending and are claimed by other consumers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#mover.stop();
    for (const consumer of this.#consumers) consumer.close();
    this.#consumers.clear();
    this.#topics?.connection.disconnect();
    this.#command.disconnect();
  }

  #hub(): TopicHub {
    this.#topics ??= new TopicHub(duplicateConnection(this.#command, this.#url, 'mensageiro:subscriber'));
    return this.#topics;
  }

  /** Reads from the start, so what plain clients added before the first consumer is not skipped. */
  async #createGroup(queue: string, makeStream: boolean): Promise<void> {
    try {
      if (makeStream) await this.#command.call('XGROUP', 'CREATE', queue, CONSUMER_GROUP, '0', 'MKSTREAM');
      else await this.#command.call('XGROUP', 'CREATE', queue, CONSUMER_GROUP, '0');
    } catch (err) {
      if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
    }
  }
}

export async function createRedisTransport(url: URL, options: TransportOptions): Promise<Transport> {
  return new RedisTransport(url, await openConnection(url, 'mensageiro'), options);
}
