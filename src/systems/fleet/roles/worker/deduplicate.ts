import { createLogger } from '../../../../kit/observe/log.ts';
import type { EventClaims } from '../../store/event-claims.ts';
import type { Middleware } from './order-pipeline.ts';

const log = createLogger('fleet:worker');

/**
 * The Redis guard: an event found done is acked unhandled. A claim that fails (Redis away) rejects, so nothing is
 * handled and the message is retried: fail closed. A key still marked processing means another delivery holds it
 * or died holding it, which Redis cannot tell apart, so the event is handled again and the store's inbox, written
 * in the same transaction as the order, decides.
 */
export function deduplicate(claims: EventClaims): Middleware {
  return (next) => async (event) => {
    const claim = await claims.claim(event.eventId);
    if (claim === 'done') return { outcome: 'duplicate', guard: 'redis' };
    let result;
    try {
      result = await next(event);
    } catch (err) {
      // Only a claim this delivery made is released: another holder's key is theirs to settle.
      if (claim === 'claimed') await claims.release(event.eventId).catch((cause: unknown) => log.warn('could not release a claim; it expires by itself', { eventId: event.eventId, err: cause }));
      throw err;
    }
    // The order is written: failing to say so in Redis costs a redelivery only a trip to the inbox, not a retry now.
    await claims.finish(event.eventId).catch((err: unknown) => log.warn('could not mark an event done in Redis', { eventId: event.eventId, err }));
    return result;
  };
}
