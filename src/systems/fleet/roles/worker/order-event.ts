import { createHash } from 'node:crypto';
import { PermanentError } from '../../../../kit/bus/errors.ts';
import type { Message } from '../../../../kit/bus/message.ts';
import { EVENT_HEADERS, type GeoPoint } from '../../domain/order-created.ts';
import { MAX_ORDER_ID_LENGTH } from '../../domain/search-request.ts';
import type { OrderEvent } from './order-pipeline.ts';

/** The store's inbox keeps event ids of up to 64 characters: a UUID, or the 64 hex digits of a SHA-256. */
const MAX_EVENT_ID_LENGTH = 64;

/**
 * The event a message carries. A body that is not an OrderCreated is a PermanentError: no retry mends it, and the
 * Bus parks it with the reason.
 */
export function readOrderEvent(message: Message<unknown>, maxAttempts: number): OrderEvent {
  const body = message.body as { id?: unknown; pickup?: unknown } | null;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PermanentError('an OrderCreated body is a JSON object');
  const orderId = body.id;
  if (typeof orderId !== 'string' || orderId.trim() === '' || orderId.length > MAX_ORDER_ID_LENGTH) {
    throw new PermanentError(`an OrderCreated body has "id", a string of 1 to ${MAX_ORDER_ID_LENGTH} characters`);
  }
  const attempt = message.envelope.attempt;
  return { eventId: eventIdOf(message), orderId, pickup: pickupOf(body.pickup), attempt, lastAttempt: attempt >= maxAttempts };
}

function pickupOf(value: unknown): GeoPoint | undefined {
  if (value === undefined || value === null) return undefined;
  const { lat, lng } = value as { lat?: unknown; lng?: unknown };
  // Degrees on the globe; a point the driver index cannot search (beyond ±85°) is the dispatch step's to settle.
  if (typeof lat !== 'number' || typeof lng !== 'number' || !(Math.abs(lat) <= 90) || !(Math.abs(lng) <= 180)) {
    throw new PermanentError('the event\'s pickup is wrong: it has lat from -90 to 90 and lng from -180 to 180');
  }
  return { lat, lng };
}

/** The x-event-id header; failing that, as the reference, the SHA-256 of the body in hex. */
function eventIdOf(message: Message<unknown>): string {
  const header = message.headers[EVENT_HEADERS.eventId];
  if (header && header.length > MAX_EVENT_ID_LENGTH) throw new PermanentError(`${EVENT_HEADERS.eventId} is at most ${MAX_EVENT_ID_LENGTH} characters`);
  if (header) return header;
  return createHash('sha256').update(message.envelope.body).digest('hex');
}
