import { distanceKm, pointProblem } from '../domain/geo.ts';
import type { GeoPoint } from '../domain/order-created.ts';
import type { DriverIndex, DriverPosition, NearbyDriver } from './driver-index.ts';

export const DEFAULT_MAX_DRIVERS = 100_000;

/** The drivers in a Map, searched by a scan: for one process, up to `maxDrivers` of them. */
export class MemoryDriverIndex implements DriverIndex {
  readonly #positions = new Map<string, GeoPoint>();

  constructor(readonly maxDrivers = DEFAULT_MAX_DRIVERS) {}

  async add(drivers: readonly DriverPosition[]): Promise<void> {
    checkPositions(drivers);
    const added = drivers.filter((d) => !this.#positions.has(d.id)).length;
    if (this.#positions.size + added > this.maxDrivers) throw new RangeError(`the index holds at most ${this.maxDrivers} drivers`);
    for (const { id, lat, lng } of drivers) this.#positions.set(id, { lat, lng });
  }

  async move(drivers: readonly DriverPosition[]): Promise<number> {
    checkPositions(drivers);
    let moved = 0;
    for (const { id, lat, lng } of drivers) {
      if (!this.#positions.has(id)) continue;
      this.#positions.set(id, { lat, lng });
      moved++;
    }
    return moved;
  }

  async remove(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) if (this.#positions.delete(id)) removed++;
    return removed;
  }

  async nearest(point: GeoPoint, radiusKm: number): Promise<NearbyDriver | undefined> {
    checkPositions([point]);
    let best: NearbyDriver | undefined;
    for (const [id, position] of this.#positions) {
      const km = distanceKm(point, position);
      if (km <= radiusKm && (!best || km < best.distanceKm)) best = { id, ...position, distanceKm: km };
    }
    return best;
  }

  get size(): number {
    return this.#positions.size;
  }

  async close(): Promise<void> {}
}

/** Throws a RangeError naming the first position no index can hold. */
export function checkPositions(points: readonly GeoPoint[]): void {
  for (const point of points) {
    const problem = pointProblem(point);
    if (problem) throw new RangeError(problem);
  }
}
