import type { GeoPoint } from '../../domain/order-created.ts';
import type { DispatchOutcome } from '../../store/dispatch-store.ts';

/** One OrderCreated delivery, as the worker's steps see it. */
export interface OrderEvent {
  /** The x-event-id header (the outbox row's id), or a hash of the body when a producer sent none. */
  eventId: string;
  orderId: string;
  /** From the event; absent in events from producers that do not send it, and then read from the store. */
  pickup?: GeoPoint;
  /** 1 on the first delivery. */
  attempt: number;
  /** No retry follows this one: what fails now is parked (or, for want of a driver, sent to manual dispatch). */
  lastAttempt: boolean;
}

/** What handling an event did. */
export type DispatchResult =
  | { outcome: 'dispatched'; driverId: string }
  | { outcome: 'manual'; reason: 'breaker-open' | 'no-driver' }
  /** Handled before: Redis found the event done, or the store's inbox holds it. */
  | { outcome: 'duplicate'; guard: 'redis' | 'inbox' }
  /** The order's state allows no such change (cancelled, delivered, dispatched already) or it is unknown. */
  | { outcome: 'refused' };

export type OrderHandler = (event: OrderEvent) => Promise<DispatchResult>;

/** A step around the ones after it, as the reference's middleware chain. */
export type Middleware = (next: OrderHandler) => OrderHandler;

/** The handler with `middlewares` around it, the first outermost. */
export function compose(middlewares: readonly Middleware[], handler: OrderHandler): OrderHandler {
  return middlewares.reduceRight((next, middleware) => middleware(next), handler);
}

/** A store write's outcome as a result: `applied` when it changed the order, else a duplicate or a refusal. */
export function storeResult(outcome: DispatchOutcome, applied: DispatchResult): DispatchResult {
  if (outcome === 'applied') return applied;
  return outcome === 'duplicate' ? { outcome: 'duplicate', guard: 'inbox' } : { outcome: 'refused' };
}
