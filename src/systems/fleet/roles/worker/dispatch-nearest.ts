import { status } from '@grpc/grpc-js';
import { PermanentError } from '../../../../kit/bus/errors.ts';
import { pointProblem } from '../../domain/geo.ts';
import type { GeoPoint } from '../../domain/order-created.ts';
import { FleetCallError } from '../../grpc/grpc-driver-finder.ts';
import type { DispatchStore } from '../../store/dispatch-store.ts';
import type { DriverFinder } from '../driver-finder.ts';
import { type OrderHandler, storeResult } from './order-pipeline.ts';

/**
 * No driver near the pickup point: retried, and on the last attempt sent to manual dispatch. A point the driver
 * index cannot search (beyond ±85° of latitude) is `offMap`: no retry finds a driver there.
 */
export class NoDriverNearError extends Error {
  override name = 'NoDriverNearError';
  constructor(
    readonly orderId: string,
    readonly pickup: GeoPoint,
    readonly offMap = false,
  ) {
    super(`no driver ${offMap ? 'can be near' : 'near'} (${pickup.lat}, ${pickup.lng}) for order ${orderId}`);
  }
}

/** The innermost steps: search the nearest driver, then move the order to DISPATCHED with it. */
export function dispatchNearest(finder: DriverFinder, store: DispatchStore): OrderHandler {
  return async (event) => {
    const pickup = event.pickup ?? (await store.pickupOf(event.orderId));
    if (!pickup) throw new PermanentError(`order ${event.orderId} is not in the store`);
    if (pointProblem(pickup)) throw new NoDriverNearError(event.orderId, pickup, true);
    let driver;
    try {
      driver = await finder.find(event.orderId, pickup);
    } catch (err) {
      if (err instanceof FleetCallError && err.code === status.INVALID_ARGUMENT) throw new PermanentError(err.message);
      throw err;
    }
    if (!driver) throw new NoDriverNearError(event.orderId, pickup);
    const outcome = await store.dispatch(event.orderId, driver.id, event.eventId);
    return storeResult(outcome, { outcome: 'dispatched', driverId: driver.id });
  };
}
