import { type GeoPoint, SAO_PAULO_CENTRE } from './order-created.ts';
import { MAX_AMOUNT, MAX_CENTS, readCents } from './money.ts';
import type { OrderStatus } from './order-status.ts';

/** The orders.id column is VARCHAR(64). */
export const ORDER_ID_MAX_LENGTH = 64;
/**
 * Letters, digits and . _ : - (an id goes into URLs and logs as it is). Quotes, semicolons, spaces and the
 * like are refused with a 400 rather than stored: the SQL is parameterized, but an id is not free text.
 */
const ORDER_ID = /^[A-Za-z0-9._:-]+$/;

/** An order as the API and the stores see it; amounts are decimal strings with two places. */
export interface Order {
  id: string;
  price: string;
  tax: string;
  final_price: string;
  status: OrderStatus;
  driver_id: string | null;
  pickup: GeoPoint;
  created_at: string;
  updated_at: string;
}

/** A request to create an order that passed every check: amounts in whole cents. */
export interface NewOrder {
  id: string;
  priceCents: number;
  taxCents: number;
  finalCents: number;
  pickup: GeoPoint;
}

export type NewOrderReading = { order: NewOrder } | { reasons: string[] };

const FIELDS = new Set(['id', 'price', 'tax', 'pickup']);
export const ORDER_EXAMPLE = '{"id": "order-1", "price": "100.00", "tax": "10.00", "pickup": {"lat": -23.55, "lng": -46.63}}';

/**
 * `{id, price, tax, pickup?}` from a parsed JSON body, or every reason it is refused, as sentences: id required
 * (letters, digits and . _ : -, at most 64), price above 0, tax 0 or more, both at most DECIMAL(10,2)'s
 * 99999999.99 with at most two decimal places, as is their sum; pickup optional (São Paulo's centre without
 * one), with lat in [-90, 90] and lng in [-180, 180]. Fields it does not take are refused, not dropped.
 */
export function readNewOrder(body: unknown): NewOrderReading {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { reasons: [`the body must be a JSON object, as in ${ORDER_EXAMPLE}`] };
  const fields = body as Record<string, unknown>;
  const reasons: string[] = [];
  for (const name of Object.keys(fields)) if (!FIELDS.has(name)) reasons.push(`the body has a field "${name}" that this request does not take`);
  const idReason = orderIdProblem(fields.id);
  if (idReason) reasons.push(idReason);
  const price = amount('price', fields.price, 1);
  const tax = amount('tax', fields.tax, 0);
  for (const reading of [price, tax]) if ('reason' in reading) reasons.push(reading.reason);
  const pickup = fields.pickup === undefined ? SAO_PAULO_CENTRE : readPickup(fields.pickup, reasons);
  if ('cents' in price && 'cents' in tax && price.cents + tax.cents > MAX_CENTS) reasons.push(`price plus tax must be at most ${MAX_AMOUNT}, the final price's limit`);
  if (reasons.length > 0 || !('cents' in price) || !('cents' in tax) || !pickup) return { reasons };
  return { order: { id: fields.id as string, priceCents: price.cents, taxCents: tax.cents, finalCents: price.cents + tax.cents, pickup } };
}

/** Why `id` is not an order id, or undefined when it is one. */
export function orderIdProblem(id: unknown): string | undefined {
  if (id === undefined || id === null) return 'id is required';
  if (typeof id !== 'string') return 'id must be a string';
  if (id === '') return 'id must not be empty';
  if (id.length > ORDER_ID_MAX_LENGTH) return `id must be at most ${ORDER_ID_MAX_LENGTH} characters long`;
  if (!ORDER_ID.test(id)) return 'id may hold only letters, digits and . _ : -';
  return undefined;
}

function amount(field: string, value: unknown, minCents: 0 | 1): { cents: number } | { reason: string } {
  if (value === undefined || value === null) return { reason: `${field} is required` };
  const reading = readCents(field, value);
  if ('reason' in reading) return reading;
  if (reading.cents < minCents) return { reason: minCents === 0 ? `${field} must be 0 or more` : `${field} must be above 0` };
  if (reading.cents > MAX_CENTS) return { reason: `${field} must be at most ${MAX_AMOUNT}` };
  return reading;
}

function readPickup(value: unknown, reasons: string[]): GeoPoint | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    reasons.push('pickup must be a JSON object, as in {"lat": -23.55, "lng": -46.63}');
    return undefined;
  }
  const { lat, lng, ...rest } = value as Record<string, unknown>;
  const before = reasons.length;
  for (const name of Object.keys(rest)) reasons.push(`pickup has a field "${name}" that this request does not take`);
  coordinate('pickup.lat', lat, 90, reasons);
  coordinate('pickup.lng', lng, 180, reasons);
  return reasons.length === before ? { lat: lat as number, lng: lng as number } : undefined;
}

function coordinate(field: string, value: unknown, limit: number, reasons: string[]): void {
  if (value === undefined) reasons.push(`${field} is required`);
  else if (typeof value !== 'number' || !Number.isFinite(value)) reasons.push(`${field} must be a number`);
  else if (value < -limit || value > limit) reasons.push(`${field} must be from -${limit} to ${limit}`);
}
