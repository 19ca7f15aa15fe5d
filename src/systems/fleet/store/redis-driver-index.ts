import type { Redis } from 'ioredis';
import type { GeoPoint } from '../domain/order-created.ts';
import { type DriverIndex, type DriverPosition, type NearbyDriver } from './driver-index.ts';
import { checkPositions } from './memory-driver-index.ts';

/** GEOADD XX only for members already there, counted in the same script so that a concurrent remove is not counted. */
const MOVE_KNOWN = `
local moved = 0
for i = 1, #ARGV, 3 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i + 2]) then
    redis.call('GEOADD', KEYS[1], 'XX', ARGV[i], ARGV[i + 1], ARGV[i + 2])
    moved = moved + 1
  end
end
return moved`;

/** Drivers in a Redis GEO set (a sorted set of geohashes): GEOADD to place them, GEOSEARCH to find one. */
export class RedisDriverIndex implements DriverIndex {
  constructor(
    readonly redis: Redis,
    readonly key: string,
  ) {}

  async add(drivers: readonly DriverPosition[]): Promise<void> {
    checkPositions(drivers);
    if (drivers.length > 0) await this.redis.geoadd(this.key, ...lngLatMember(drivers));
  }

  async move(drivers: readonly DriverPosition[]): Promise<number> {
    checkPositions(drivers);
    if (drivers.length === 0) return 0;
    return Number(await this.redis.eval(MOVE_KNOWN, 1, this.key, ...lngLatMember(drivers)));
  }

  async remove(ids: readonly string[]): Promise<number> {
    return ids.length === 0 ? 0 : this.redis.zrem(this.key, ...ids);
  }

  async nearest(point: GeoPoint, radiusKm: number): Promise<NearbyDriver | undefined> {
    checkPositions([point]);
    // The reference's query: the ten nearest in the radius, nearest first; the first is the answer.
    const found = (await this.redis.geosearch(this.key, 'FROMLONLAT', point.lng, point.lat, 'BYRADIUS', radiusKm, 'km', 'ASC', 'COUNT', 10, 'WITHCOORD', 'WITHDIST')) as Array<
      [string, string, [string, string]]
    >;
    const first = found[0];
    if (!first) return undefined;
    const [id, distance, [lng, lat]] = first;
    return { id, lat: Number(lat), lng: Number(lng), distanceKm: Number(distance) };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** GEOADD's argument order: longitude first, then latitude, then the member. */
function lngLatMember(drivers: readonly DriverPosition[]): Array<number | string> {
  return drivers.flatMap((d) => [d.lng, d.lat, d.id]);
}
