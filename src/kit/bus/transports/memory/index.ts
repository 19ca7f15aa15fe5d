import { randomUUID } from 'node:crypto';
import type { Envelope } from '../../envelope.ts';
import { QueueFullError } from '../../errors.ts';
import { LinkedList, type ListNode } from '../../linked-list.ts';
import { compilePattern } from '../../pattern.ts';
import { type ConsumeOptions, type Delivery, type SendOptions, type Subscription, type Transport, type TransportOptions, DEFAULT_MAX_QUEUE_LENGTH, deadLetterQueue } from '../../transport.ts';

/**
 * The in-process transport. Every Bus made from the same `memory://name` URL shares one broker, so
 * several buses in one process behave like several processes on one engine: closing one is a crash
 * for its unacked deliveries, which go back to the queue.
 */
interface Item {
  envelope: Envelope;
  redelivered: boolean;
}

const settled: Promise<void> = Promise.resolve();

class MemoryConsumer {
  /** Unacked deliveries, oldest first (a list, not a Set: see LinkedList). */
  readonly inFlight = new LinkedList<Item>();
  active = true;
  constructor(
    readonly owner: MemoryTransport,
    readonly prefetch: number,
    readonly onDelivery: (delivery: Delivery) => void,
  ) {}
}

/** A class rather than an object with an ack closure: nothing is allocated per delivery beyond this. */
class MemoryDelivery implements Delivery {
  constructor(
    readonly envelope: Envelope,
    readonly redelivered: boolean,
    private readonly queue: MemoryQueue,
    private readonly consumer: MemoryConsumer,
    private readonly held: ListNode<Item>,
  ) {}

  ack(): Promise<void> {
    if (this.consumer.inFlight.remove(this.held)) this.queue.schedule();
    return settled;
  }
}

class MemoryQueue {
  #items: Item[] = [];
  #head = 0;
  #consumers: MemoryConsumer[] = [];
  #next = 0;
  #scheduled = false;

  constructor(readonly maxLength: number) {}

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: Item, front = false): void {
    if (front) {
      if (this.#head > 0) this.#items[--this.#head] = item;
      else this.#items.unshift(item);
    } else {
      this.#items.push(item);
    }
    this.schedule();
  }

  shift(): Item | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as unknown as Item;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  peek(limit: number): Envelope[] {
    return this.#items.slice(this.#head, this.#head + limit).map((item) => item.envelope);
  }

  addConsumer(consumer: MemoryConsumer): void {
    this.#consumers.push(consumer);
    this.schedule();
  }

  removeConsumer(consumer: MemoryConsumer): void {
    this.#consumers = this.#consumers.filter((c) => c !== consumer);
  }

  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    const consumers = this.#consumers;
    while (this.length > 0 && consumers.length > 0) {
      let chosen: MemoryConsumer | undefined;
      for (let i = 0; i < consumers.length; i++) {
        const candidate = consumers[(this.#next + i) % consumers.length]!;
        if (candidate.active && candidate.inFlight.size < candidate.prefetch) {
          chosen = candidate;
          this.#next = (this.#next + i + 1) % consumers.length;
          break;
        }
      }
      if (!chosen) return;
      const item = this.shift()!;
      chosen.onDelivery(new MemoryDelivery(item.envelope, item.redelivered, this, chosen, chosen.inFlight.push(item)));
    }
  }
}

export class MemoryBroker {
  readonly queues = new Map<string, MemoryQueue>();
  readonly subscriptions = new Set<{ matches: (topic: string) => boolean; onMessage: (e: Envelope) => void; owner: MemoryTransport }>();
  readonly replyChannels = new Map<string, (envelope: Envelope) => void>();

  constructor(readonly maxQueueLength: number) {}

  queue(name: string): MemoryQueue {
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = new MemoryQueue(this.maxQueueLength)));
    return queue;
  }
}

const brokers = new Map<string, MemoryBroker>();

export function memoryBroker(name: string, maxQueueLength = DEFAULT_MAX_QUEUE_LENGTH): MemoryBroker {
  let broker = brokers.get(name);
  if (!broker) brokers.set(name, (broker = new MemoryBroker(maxQueueLength)));
  return broker;
}

export class MemoryTransport implements Transport {
  readonly kind = 'memory';
  readonly #consumers = new Set<{ queue: MemoryQueue; consumer: MemoryConsumer }>();
  readonly #replyAddress = `memory:reply:${randomUUID()}`;
  #closed = false;

  constructor(readonly broker: MemoryBroker) {}

  async publish(topic: string, envelope: Envelope): Promise<void> {
    for (const sub of this.broker.subscriptions) {
      if (sub.matches(topic)) queueMicrotask(() => sub.onMessage(envelope));
    }
  }

  async subscribe(pattern: string, onMessage: (envelope: Envelope) => void): Promise<Subscription> {
    const sub = { matches: compilePattern(pattern), onMessage, owner: this };
    this.broker.subscriptions.add(sub);
    return { cancel: async () => void this.broker.subscriptions.delete(sub) };
  }

  // send and reply are plain functions returning a settled promise: an async function would make a new one per message.
  send(queue: string, envelope: Envelope, options?: SendOptions): Promise<void> {
    const target = this.broker.queue(queue);
    if (target.length >= target.maxLength) return Promise.reject(new QueueFullError(queue));
    const item = { envelope, redelivered: false };
    if (options?.delayMs && options.delayMs > 0) setTimeout(() => target.push(item), options.delayMs).unref();
    else target.push(item);
    return settled;
  }

  async consume(queue: string, onDelivery: (delivery: Delivery) => void, options: ConsumeOptions): Promise<Subscription> {
    const target = this.broker.queue(queue);
    const consumer = new MemoryConsumer(this, options.prefetch, onDelivery);
    const entry = { queue: target, consumer };
    this.#consumers.add(entry);
    target.addConsumer(consumer);
    return {
      cancel: async () => {
        consumer.active = false;
        target.removeConsumer(consumer);
      },
    };
  }

  async get(queue: string): Promise<Delivery | undefined> {
    const target = this.broker.queue(queue);
    const item = target.shift();
    if (!item) return undefined;
    // Held like a consumer's delivery: if this transport closes before the ack, the message goes back.
    const consumer = new MemoryConsumer(this, 1, () => {});
    consumer.active = false;
    const held = consumer.inFlight.push(item);
    const entry = { queue: target, consumer };
    this.#consumers.add(entry);
    const ack = async () => {
      consumer.inFlight.remove(held);
      this.#consumers.delete(entry);
    };
    return { envelope: item.envelope, redelivered: item.redelivered, ack };
  }

  async browse(queue: string, limit: number): Promise<Envelope[]> {
    return this.broker.queue(queue).peek(limit);
  }

  async deleteQueue(queue: string): Promise<void> {
    this.broker.queues.delete(queue);
    this.broker.queues.delete(deadLetterQueue(queue));
  }

  async openReplies(onReply: (envelope: Envelope) => void): Promise<string> {
    this.broker.replyChannels.set(this.#replyAddress, onReply);
    return this.#replyAddress;
  }

  reply(address: string, envelope: Envelope): Promise<void> {
    const channel = this.broker.replyChannels.get(address);
    if (channel) queueMicrotask(() => channel(envelope));
    return settled;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of this.broker.subscriptions) if (sub.owner === this) this.broker.subscriptions.delete(sub);
    this.broker.replyChannels.delete(this.#replyAddress);
    for (const { queue, consumer } of this.#consumers) {
      consumer.active = false;
      queue.removeConsumer(consumer);
      for (const item of consumer.inFlight.values()) queue.push({ envelope: item.envelope, redelivered: true }, true);
      consumer.inFlight.clear();
    }
    this.#consumers.clear();
  }
}

export async function createMemoryTransport(url: URL, options: TransportOptions): Promise<Transport> {
  return new MemoryTransport(memoryBroker(url.host || 'default', options.maxQueueLength));
}
