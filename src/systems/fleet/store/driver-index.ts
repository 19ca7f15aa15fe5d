import type { GeoPoint } from '../domain/order-created.ts';

export interface DriverPosition extends GeoPoint {
  id: string;
}

export interface NearbyDriver extends DriverPosition {
  distanceKm: number;
}

/**
 * Where the drivers are. Two implementations with the same answers: Redis GEO (shared by processes) and
 * in-memory (embedded). Positions outside the indexable range are refused with a RangeError, by both.
 */
export interface DriverIndex {
  /** Places each driver at its position, whether or not it was placed before. */
  add(drivers: readonly DriverPosition[]): Promise<void>;
  /** Moves drivers already placed; an unknown id is left out. Resolves with how many moved. */
  move(drivers: readonly DriverPosition[]): Promise<number>;
  /** Takes drivers off the map. Resolves with how many were on it. */
  remove(ids: readonly string[]): Promise<number>;
  /** The driver nearest to `point` within `radiusKm`, or undefined when none is that close. */
  nearest(point: GeoPoint, radiusKm: number): Promise<NearbyDriver | undefined>;
  close(): Promise<void>;
}

/** Redis's key for the reference's index of driver positions. */
export const DEFAULT_DRIVERS_KEY = 'drivers_locations';
