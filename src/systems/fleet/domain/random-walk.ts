import { type GeoBox, reflectInto, stepFrom } from './geo.ts';
import type { GeoPoint } from './order-created.ts';

/** One step of a random walk: up to `maxMeters` in a random direction, bounced off the box's edges. */
export function walkStep(from: GeoPoint, maxMeters: number, box: GeoBox, random: () => number = Math.random): GeoPoint {
  return reflectInto(stepFrom(from, random() * maxMeters, random() * 2 * Math.PI), box);
}

/** A point spread evenly over the disc of `radiusKm` around `centre`, kept inside the box. */
export function pointAround(centre: GeoPoint, radiusKm: number, box: GeoBox, random: () => number = Math.random): GeoPoint {
  // The square root spreads points evenly over the disc's area rather than crowding its centre.
  return reflectInto(stepFrom(centre, Math.sqrt(random()) * radiusKm * 1000, random() * 2 * Math.PI), box);
}
