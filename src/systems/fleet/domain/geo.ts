import type { GeoPoint } from './order-created.ts';

/** The Earth's radius Redis uses for GEO distances, in metres: the in-memory index measures as Redis does. */
const EARTH_RADIUS_M = 6_372_797.560856;

/** Redis GEO indexes latitudes up to ±85.05112878° (the Web Mercator square); both indexes refuse beyond it. */
export const MAX_LATITUDE = 85.05112878;

/** How far from the pickup point a driver may be. */
export const SEARCH_RADIUS_KM = 5;

/** A box around the city of São Paulo: the simulated drivers stay inside it. */
export const SAO_PAULO_AREA = { south: -24.01, north: -23.36, west: -46.83, east: -46.36 } as const;

export type GeoBox = { south: number; north: number; west: number; east: number };

/** Great-circle distance by the haversine formula, in kilometres. */
export function distanceKm(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return (2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))) / 1000;
}

/** Why the point cannot be indexed or searched around, or undefined when it can. */
export function pointProblem(point: GeoPoint): string | undefined {
  if (!Number.isFinite(point.lat) || Math.abs(point.lat) > MAX_LATITUDE) return `lat must be a number from -${MAX_LATITUDE} to ${MAX_LATITUDE}, got ${point.lat}`;
  if (!Number.isFinite(point.lng) || Math.abs(point.lng) > 180) return `lng must be a number from -180 to 180, got ${point.lng}`;
  return undefined;
}

/**
 * The point `meters` away from `from` in direction `bearing` (radians from north), on a local flat
 * approximation: exact enough for steps of a few hundred metres.
 */
export function stepFrom(from: GeoPoint, meters: number, bearing: number): GeoPoint {
  const dLat = (meters * Math.cos(bearing)) / 111_320;
  const dLng = (meters * Math.sin(bearing)) / (111_320 * Math.cos((from.lat * Math.PI) / 180));
  return { lat: from.lat + dLat, lng: from.lng + dLng };
}

/** The point folded back into the box, as a walker bounces off its edges. */
export function reflectInto(point: GeoPoint, box: GeoBox): GeoPoint {
  return { lat: reflect(point.lat, box.south, box.north), lng: reflect(point.lng, box.west, box.east) };
}

function reflect(value: number, low: number, high: number): number {
  if (value < low) return Math.min(high, 2 * low - value);
  if (value > high) return Math.max(low, 2 * high - value);
  return value;
}
