import { SEARCH_RADIUS_KM } from '../domain/geo.ts';
import type { GeoPoint } from '../domain/order-created.ts';
import type { DriverIndex, NearbyDriver } from '../store/driver-index.ts';
import type { DriverFinder, FoundDriver } from './driver-finder.ts';

/** The search the fleet service makes, made in this process: for an embedded worker with no service to call. */
export class LocalDriverFinder implements DriverFinder {
  constructor(
    readonly index: DriverIndex,
    readonly radiusKm = SEARCH_RADIUS_KM,
  ) {}

  async find(_orderId: string, pickup: GeoPoint): Promise<FoundDriver | undefined> {
    const nearby = await this.index.nearest(pickup, this.radiusKm);
    return nearby && foundDriver(nearby);
  }

  async close(): Promise<void> {}
}

/** A driver as the service answers: its name is its id, as in the reference, which keeps no names. */
export function foundDriver(nearby: NearbyDriver): FoundDriver {
  return { id: nearby.id, name: nearby.id, lat: nearby.lat, lng: nearby.lng };
}
