import { createHash } from 'node:crypto';
import { PermanentError } from '../../../../kit/bus/errors.ts';
import type { Message } from '../../../../kit/bus/message.ts';
import { pointProblem } from '../../domain/geo.ts';
import { EVENT_HEADERS, type GeoPoint } from '../../domain/order-created.ts';
import { MAX_ORDER_ID_LENGTH } from '../../domain/search-request.ts';
import type { OrderEvent } from './order-pipeline.ts';

const MAX_EVENT_ID_LENGTH = 200;

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
  const point = value as { lat?: unknown; lng?: unknown };
  const problem = typeof point.lat === 'number' && typeof point.lng === 'number' ? pointProblem({ lat: point.lat, lng: point.lng }) : 'pickup has numbers lat and lng';
  if (problem) throw new PermanentError(`the event's pickup is wrong: ${problem}`);
  return { lat: point.lat as number, lng: point.lng as number };
}

/** The x-event-id header; failing that, as the reference, a SHA-256 of the body. */
function eventIdOf(message: Message<unknown>): string {
  const header = message.headers[EVENT_HEADERS.eventId];
  if (header && header.length > MAX_EVENT_ID_LENGTH) throw new PermanentError(`${EVENT_HEADERS.eventId} is at most ${MAX_EVENT_ID_LENGTH} characters`);
  if (header) return header;
  return `sha256:${createHash('sha256').update(message.envelope.body).digest('hex')}`;
}
