import { pointProblem } from './geo.ts';
import { type GeoPoint, SAO_PAULO_CENTRE } from './order-created.ts';

/** SearchDriverRequest as proto-loader hands it over: an absent optional field is undefined. */
export interface SearchDriverRequest {
  order_id?: string;
  lat?: number | null;
  lng?: number | null;
}

export interface DriverSearch {
  orderId: string;
  point: GeoPoint;
}

export const MAX_ORDER_ID_LENGTH = 128;

/**
 * The search a request asks for, or why it is refused (the service answers INVALID_ARGUMENT with it).
 * A request with only order_id, as the reference's clients send, searches around São Paulo's centre.
 */
export function parseSearchRequest(request: SearchDriverRequest): DriverSearch | { problem: string } {
  const orderId = request.order_id ?? '';
  if (orderId.trim() === '') return { problem: 'order_id must not be empty' };
  if (orderId.length > MAX_ORDER_ID_LENGTH) return { problem: `order_id must be at most ${MAX_ORDER_ID_LENGTH} characters, got ${orderId.length}` };
  const hasLat = request.lat !== undefined && request.lat !== null;
  const hasLng = request.lng !== undefined && request.lng !== null;
  if (!hasLat && !hasLng) return { orderId, point: SAO_PAULO_CENTRE };
  if (!hasLat || !hasLng) return { problem: `send both lat and lng, or neither (for São Paulo's centre); got only ${hasLat ? 'lat' : 'lng'}` };
  const point = { lat: request.lat as number, lng: request.lng as number };
  const problem = pointProblem(point);
  return problem ? { problem } : { orderId, point };
}
