import { CATEGORIES, REGIONS } from './catalog.ts';
import type { SalesQuery } from './sales-query.ts';

/** A request the worker will not run, with the reason; it becomes an error reply, never a retry. */
export class InvalidSalesRequestError extends Error {
  override name = 'InvalidSalesRequestError';
}

const MAX_KEYWORD = 100;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const DATE_FORMATS = '"2006-01-02", "2006-01-02 15:04" or "2006-01-02 15:04:05"';

type Body = Record<string, unknown>;

/**
 * Validates the seed's request body (all fields optional) and normalizes it for the store. Absent, null and
 * empty-string fields mean "no filter", as Go's omitempty would have it. Unknown fields are ignored.
 */
export function parseSalesRequest(body: unknown): SalesQuery {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidSalesRequestError(`the request must be a JSON object of filters, got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`);
  }
  const fields = body as Body;
  const query: SalesQuery = {};
  const region = text(fields, 'region', 64);
  if (region !== undefined) {
    if (!(REGIONS as readonly string[]).includes(region)) throw new InvalidSalesRequestError(`region "${region}" is unknown: use one of ${REGIONS.join(', ')}`);
    query.region = region;
  }
  const category = text(fields, 'category', 64);
  if (category !== undefined) {
    if (!(CATEGORIES as readonly string[]).includes(category)) throw new InvalidSalesRequestError(`category "${category}" is unknown: use one of ${CATEGORIES.join(', ')}`);
    query.category = category;
  }
  const start = date(fields, 'start_date');
  const end = date(fields, 'end_date');
  if (start) query.from = start.from;
  if (end) query.to = end.to;
  if (start && end && start.from >= end.to) throw new InvalidSalesRequestError(`start_date ${String(fields.start_date)} is after end_date ${String(fields.end_date)}`);

  const startHour = integer(fields, 'start_hour', 0, 23);
  const endHour = integer(fields, 'end_hour', 0, 23);
  if (startHour !== undefined || endHour !== undefined) {
    query.startHour = startHour ?? 0;
    query.endHour = endHour ?? 23;
  }
  const minAmount = integer(fields, 'min_amount', 0, Number.MAX_SAFE_INTEGER);
  const maxAmount = integer(fields, 'max_amount', 0, Number.MAX_SAFE_INTEGER);
  if (minAmount !== undefined && maxAmount !== undefined && minAmount > maxAmount) {
    throw new InvalidSalesRequestError(`min_amount ${minAmount} is above max_amount ${maxAmount}`);
  }
  if (minAmount !== undefined) query.minAmount = minAmount;
  if (maxAmount !== undefined) query.maxAmount = maxAmount;
  const productKeyword = text(fields, 'product_keyword', MAX_KEYWORD);
  if (productKeyword !== undefined) query.productKeyword = productKeyword;
  const buyerKeyword = text(fields, 'buyer_keyword', MAX_KEYWORD);
  if (buyerKeyword !== undefined) query.buyerKeyword = buyerKeyword;
  return query;
}

function present(fields: Body, name: string): unknown {
  const value = fields[name];
  return value === null || value === '' ? undefined : value;
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? `"${value.slice(0, 40)}"` : Array.isArray(value) ? 'an array' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

function text(fields: Body, name: string, max: number): string | undefined {
  const value = present(fields, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidSalesRequestError(`${name} must be a string, got ${describeValue(value)}`);
  if (value.length > max) throw new InvalidSalesRequestError(`${name} is ${value.length} characters; at most ${max} are accepted`);
  return value;
}

function integer(fields: Body, name: string, min: number, max: number): number | undefined {
  const value = present(fields, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new InvalidSalesRequestError(`${name} must be a whole number, got ${describeValue(value)}`);
  if (value < min || value > max) throw new InvalidSalesRequestError(`${name} must be from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'up' : max}, got ${value}`);
  return value;
}

const pad = (n: number) => String(n).padStart(2, '0');

function format(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `from` is the instant given; `to` is the end of the unit it was given in (day, minute or second), exclusive. */
function date(fields: Body, name: string): { from: string; to: string } | undefined {
  const value = present(fields, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidSalesRequestError(`${name} must be a date string (${DATE_FORMATS}), got ${describeValue(value)}`);
  const match = DATE.exec(value);
  if (!match) throw new InvalidSalesRequestError(`${name} "${value.slice(0, 40)}" is not a date: write it as ${DATE_FORMATS}`);
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const at = new Date(Date.UTC(year!, month! - 1, day!, hour, minute, second));
  if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month! - 1 || at.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new InvalidSalesRequestError(`${name} "${value}" is not a real date and time`);
  }
  const unitMs = match[6] !== undefined ? 1_000 : match[4] !== undefined ? 60_000 : 86_400_000;
  return { from: format(at), to: format(new Date(at.getTime() + unitMs)) };
}
