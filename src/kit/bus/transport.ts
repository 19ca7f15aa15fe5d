import type { Envelope } from './envelope.ts';

/**
 * The small contract every transport implements, in the spirit of Socket.IO's ClusterAdapter.
 * Retries, dead-lettering and request/reply are built once, in Bus, on top of it.
 */
export interface Transport {
  /** A short name for metrics and errors: memory, redis, amqp. */
  readonly kind: string;

  /** Fan-out, at most once. */
  publish(topic: string, envelope: Envelope): Promise<void>;
  /** `pattern` is AMQP style: `*` one word, `#` zero or more. */
  subscribe(pattern: string, onMessage: (envelope: Envelope) => void): Promise<Subscription>;

  /** Durable, at least once. Resolves once the engine holds the message. */
  send(queue: string, envelope: Envelope, options?: SendOptions): Promise<void>;
  /** At most `prefetch` deliveries are unacked at once; consumers of one queue compete. */
  consume(queue: string, onDelivery: (delivery: Delivery) => void, options: ConsumeOptions): Promise<Subscription>;
  /** Takes one message off a queue without a consumer, or undefined when it is empty (inspection tools). */
  get(queue: string): Promise<Delivery | undefined>;
  /** Up to `limit` messages from the head of a queue, left in place. */
  browse(queue: string, limit: number): Promise<Envelope[]>;
  /** Deletes a queue with everything that belongs to it: its dead letters, its delayed and retry messages. */
  deleteQueue(queue: string): Promise<void>;

  /** Opens this process's reply channel once and returns its address, for `replyTo`. */
  openReplies(onReply: (envelope: Envelope) => void): Promise<string>;
  /** Sends a reply to an address taken from a request's `replyTo`. */
  reply(address: string, envelope: Envelope): Promise<void>;

  /**
   * Closes the connections. With `graceMs: 0` it behaves as a crash: unacked deliveries
   * are left to the engine, which redelivers them elsewhere.
   */
  close(): Promise<void>;
}

export interface Subscription {
  /** Stops taking new messages; deliveries already handed out can still be acked. */
  cancel(): Promise<void>;
}

export interface SendOptions {
  delayMs?: number;
}

export interface ConsumeOptions {
  prefetch: number;
}

export interface Delivery {
  readonly envelope: Envelope;
  /**
   * True when the engine hands out a message a second time because an earlier consumer died holding it.
   * The envelope's attempt is not yet bumped: Bus re-queues it with attempt + 1 so a message that
   * crashes its consumer every time still reaches the dead-letter queue.
   */
  readonly redelivered: boolean;
  ack(): Promise<void>;
}

export interface TransportOptions {
  /** Redis: how long a message may sit unacked with a dead consumer before another consumer claims it. */
  claimIdleMs?: number;
  /** Upper bound on a queue's length; a send beyond it rejects with QueueFullError. Default DEFAULT_MAX_QUEUE_LENGTH. */
  maxQueueLength?: number;
  /**
   * RabbitMQ: queues to declare as a plain client does (durable, no arguments), so that processes which declare
   * them that way can share them; RabbitMQ refuses a second declaration with other arguments. The broker then
   * neither bounds their length nor dead-letters anything from them: their bounds are the application's to keep.
   * The other transports declare nothing and ignore it.
   */
  plainQueues?: readonly string[];
}

export const DEFAULT_MAX_QUEUE_LENGTH = 1_000_000;

export type TransportFactory = (url: URL, options: TransportOptions) => Promise<Transport>;

export function deadLetterQueue(queue: string): string {
  return `${queue}.dlq`;
}
