import { type Envelope, nextAttempt } from './envelope.ts';
import { PermanentError } from './errors.ts';
import { createLogger } from '../observe/log.ts';
import { type RetryPolicy, delayFor } from './retry-policy.ts';
import { type Delivery, type Transport, deadLetterQueue } from './transport.ts';

const log = createLogger('bus');

export type Outcome = 'ok' | 'retry' | 'dead' | 'error';

/**
 * Settles one queue delivery the same way on every transport: success acks; a throw re-queues a copy
 * with attempt + 1 after a back-off; a PermanentError or the last attempt parks it in `<queue>.dlq`.
 * The ack comes after the copy is safely sent, so a crash in between duplicates rather than loses.
 */
export async function runDelivery(
  transport: Transport,
  queue: string,
  delivery: Delivery,
  policy: RetryPolicy,
  handle: (envelope: Envelope) => unknown,
): Promise<Outcome> {
  const envelope = delivery.envelope;
  try {
    if (delivery.redelivered) {
      const bumped = nextAttempt(envelope, { 'x-redelivered': 'consumer died before acking' });
      await requeueOrPark(transport, queue, bumped, policy, 'consumer died before acking', 0);
      await delivery.ack();
      return bumped.attempt > policy.maxAttempts ? 'dead' : 'retry';
    }
    if (envelope.attempt > policy.maxAttempts) {
      await park(transport, queue, envelope, `exceeded ${policy.maxAttempts} attempts`);
      await delivery.ack();
      return 'dead';
    }
    try {
      // A handler that finished synchronously is not awaited: one microtask turn less per message.
      const handled = handle(envelope);
      if (isThenable(handled)) await handled;
    } catch (err) {
      const reason = describe(err);
      if (err instanceof PermanentError || envelope.attempt >= policy.maxAttempts) {
        await park(transport, queue, envelope, reason);
        await delivery.ack();
        return 'dead';
      }
      const copy = nextAttempt(envelope, { 'x-last-error': reason });
      await transport.send(queue, copy, { delayMs: delayFor(policy, envelope.attempt) });
      await delivery.ack();
      return 'retry';
    }
    await delivery.ack();
    return 'ok';
  } catch (err) {
    // The transport failed while settling: leave the message unacked so the engine redelivers it.
    log.warn('could not settle a delivery; the engine will redeliver it', { queue, id: envelope.id, err });
    return 'error';
  }
}

async function requeueOrPark(
  transport: Transport,
  queue: string,
  envelope: Envelope,
  policy: RetryPolicy,
  reason: string,
  delayMs: number,
): Promise<void> {
  if (envelope.attempt > policy.maxAttempts) await park(transport, queue, envelope, reason);
  else await transport.send(queue, envelope, { delayMs });
}

export async function park(transport: Transport, queue: string, envelope: Envelope, reason: string): Promise<void> {
  const headers = {
    ...envelope.headers,
    'x-dead-letter-reason': reason.slice(0, 1000),
    'x-dead-letter-queue': queue,
    'x-dead-lettered-at': new Date().toISOString(),
  };
  await transport.send(deadLetterQueue(queue), { ...envelope, headers });
  log.warn('message parked in the dead-letter queue', { queue, id: envelope.id, attempt: envelope.attempt, reason });
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

export function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
