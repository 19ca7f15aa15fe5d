import type { GeoPoint } from '../domain/order-created.ts';

/** What a state change did: applied, already applied for this event (a redelivery), or refused by the order's state. */
export type DispatchOutcome = 'applied' | 'duplicate' | 'refused';

/**
 * The worker's writes to the orders. Each one is a conditional UPDATE on the states that allow it, and records
 * `eventId` in the inbox in the same transaction: the second guard after Redis, so a redelivered event whose
 * first handling committed changes nothing.
 */
export interface DispatchStore {
  /** PENDING or MANUAL_DISPATCH → DISPATCHED with the driver. */
  dispatch(orderId: string, driverId: string, eventId: string): Promise<DispatchOutcome>;
  /** PENDING → MANUAL_DISPATCH: the breaker is open, a person takes it. */
  sendToManual(orderId: string, eventId: string): Promise<DispatchOutcome>;
  /** The order's pickup point, or undefined for an unknown order. */
  pickupOf(orderId: string): Promise<GeoPoint | undefined>;
}
