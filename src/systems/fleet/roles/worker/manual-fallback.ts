import type { DispatchStore } from '../../store/dispatch-store.ts';
import { isBreakerOpen } from '../fleet-breaker.ts';
import { NoDriverNearError } from './dispatch-nearest.ts';
import { type Middleware, storeResult } from './order-pipeline.ts';

/**
 * The business fallback: with the breaker open, or with no driver near on the last attempt (or ever, off the
 * map), the order goes to
 * MANUAL_DISPATCH (a person takes it) and the message is acked, instead of retrying against a service that is
 * down or parking an order no one would look at.
 */
export function fallBackToManual(store: DispatchStore): Middleware {
  return (next) => async (event) => {
    try {
      return await next(event);
    } catch (err) {
      const reason = isBreakerOpen(err) ? 'breaker-open' : err instanceof NoDriverNearError && (event.lastAttempt || err.offMap) ? 'no-driver' : undefined;
      if (!reason) throw err;
      const outcome = await store.sendToManual(event.orderId, event.eventId);
      return storeResult(outcome, { outcome: 'manual', reason });
    }
  };
}
