import type { Channel } from 'amqplib';
import { BusError } from '../../errors.ts';
import { deadLetterQueue } from '../../transport.ts';

/**
 * What the transport declares on RabbitMQ.
 *
 * - `mensageiro.topics`: one durable topic exchange for every topic.
 * - `<queue>`: durable, named exactly as the queue, bounded by x-max-length with x-overflow reject-publish
 *   (a full queue nacks the publish), a version-2 classic queue. What the broker itself rejects goes to `<queue>.dlq` through the
 *   default exchange.
 * - `<queue>.dlq`: durable and bounded the same way, with no dead-letter queue of its own. A queue whose
 *   name ends in `.dlq` is always declared this way, whoever declares it first.
 * - a queue named in `plainQueues`: durable with no arguments, as plain clients declare queues.
 * - `<queue>.delay.<ms>`: a bucket per delay. Messages expire after <ms> into `<queue>`; the bucket itself
 *   vanishes once unused for a minute longer than its delay.
 *
 * RabbitMQ refuses to redeclare a queue with different arguments, so every declaration is made here.
 */
export const TOPIC_EXCHANGE = 'mensageiro.topics';
/** RabbitMQ's direct reply-to pseudo-queue. */
export const REPLY_TO = 'amq.rabbitmq.reply-to';

const DELAY_QUEUE_IDLE_MS = 60_000;
/** A bucket's lease is renewed by redeclaring it; this often is safely within its idle limit. */
export const DELAY_QUEUE_REFRESH_MS = DELAY_QUEUE_IDLE_MS / 2;

export type QueueArguments = Record<string, string | number>;

export function isDeadLetterQueue(queue: string): boolean {
  return queue.endsWith('.dlq');
}

export function queueArguments(queue: string, maxLength: number): QueueArguments {
  // Version 2 classic queues. Lazy mode confirmed persistent sends faster, but paged every request to disk
  // and doubled the request/reply tail at 2,000 req/s with no end-to-end gain (docs/benchmarks.md).
  const bounded = { 'x-max-length': maxLength, 'x-overflow': 'reject-publish', 'x-queue-version': 2 };
  if (isDeadLetterQueue(queue)) return bounded;
  return { ...bounded, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': deadLetterQueue(queue) };
}

/**
 * Delays are rounded to two significant digits (at most 5% off) so that jittered back-offs share a few
 * buckets instead of making a queue each.
 */
export function delayBucket(delayMs: number): number {
  const ms = Math.max(1, Math.round(delayMs));
  const step = 10 ** Math.max(0, Math.floor(Math.log10(ms)) - 1);
  return Math.round(ms / step) * step;
}

export function delayQueue(queue: string, bucketMs: number): string {
  return `${queue}.delay.${bucketMs}`;
}

export function delayQueueArguments(queue: string, bucketMs: number, maxLength: number): QueueArguments {
  return {
    'x-message-ttl': bucketMs,
    'x-expires': bucketMs + DELAY_QUEUE_IDLE_MS,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': queue,
    'x-max-length': maxLength,
    'x-overflow': 'reject-publish',
  };
}

export class QueueArgumentsError extends BusError {
  override name = 'QueueArgumentsError';
  constructor(
    readonly queue: string,
    readonly expected: QueueArguments,
    detail: string,
  ) {
    const wanted = Object.entries(expected).map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(', ') || 'no arguments';
    super(
      `RabbitMQ queue "${queue}" already exists with other arguments (${detail}). mensageiro declares it durable with ${wanted}. ` +
        `Delete it (rabbitmqctl delete_queue ${queue}) so it is declared again, once it is drained, ` +
        'or have every process declare it the same way (the same maxQueueLength and plainQueues).',
    );
  }
}

const PRECONDITION_FAILED = 406;

export async function declareQueue(channel: Channel, queue: string, args: QueueArguments): Promise<void> {
  try {
    await channel.assertQueue(queue, { durable: true, arguments: args });
  } catch (err) {
    if ((err as { code?: unknown }).code === PRECONDITION_FAILED) throw new QueueArgumentsError(queue, args, (err as Error).message);
    throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 404;
}
