import { parseInstant } from '../domain/instant.ts';
import { MAX_ROW_CENTS, type PaymentRow } from './payment-table.ts';

// The processor's wire formats: its JSON fields, GUIDs, instants, and decimals as C# prints them.
export const PAYMENT_EXAMPLE = '{"correlationId":"4a7901b8-7d26-4d9d-aa19-4dc1c7cf60b3","amount":19.90,"requestedAt":"2025-07-10T12:34:56.000Z"}';
export const INSTANT_EXAMPLE = 'as in 2025-07-10T12:34:56.000Z';

export function parseObject(text: string): Record<string, unknown> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
}

/** A property by name; the original's JSON options (ASP.NET's web defaults) match names ignoring case. */
export function field(json: Record<string, unknown>, name: string): unknown {
  const value = json[name];
  if (value !== undefined) return value;
  const lower = name.toLowerCase();
  for (const key in json) if (key.toLowerCase() === lower) return json[key];
  return undefined;
}

export const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A JSON number, or a string holding one: ASP.NET's web defaults read numbers from strings too. NaN otherwise. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMBER_TEXT.test(value)) return Number(value);
  return Number.NaN;
}

/** The row to store, or what is wrong with the body. */
export function parsePayment(text: string): PaymentRow | string {
  const json = parseObject(text);
  if (json === undefined) return `the body is not a JSON object: send ${PAYMENT_EXAMPLE}`;
  const correlationId = bodyGuid(field(json, 'correlationId'));
  if (correlationId === undefined) return 'correlationId must be a UUID, as in 4a7901b8-7d26-4d9d-aa19-4dc1c7cf60b3';
  const amount = toNumber(field(json, 'amount'));
  if (!Number.isFinite(amount)) return 'amount must be a number, as in 19.90';
  const amountCents = roundCents(amount);
  if (Math.abs(amountCents) > MAX_ROW_CENTS) return `amount is out of range: send at most ${MAX_ROW_CENTS / 100}`;
  const requestedAt = field(json, 'requestedAt');
  const requestedAtMs = typeof requestedAt === 'string' ? parseInstant(requestedAt) : Number.NaN;
  if (Number.isNaN(requestedAtMs)) return `requestedAt must be an ISO-8601 instant, ${INSTANT_EXAMPLE}`;
  return { correlationId, amountCents, requestedAtMs, requestedAt: requestedAt as string };
}

export const GUID_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const GUID_ANY_CASE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const GUID_DIGITS = /^[0-9a-f]{32}$/i;

/** System.Text.Json reads a Guid only in its dashed form, any case; stored lower-case. */
export function bodyGuid(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length !== 36) return undefined;
  if (GUID_LOWER.test(value)) return value;
  return GUID_ANY_CASE.test(value) ? value.toLowerCase() : undefined;
}

/** A route's Guid.TryParse: dashed, 32 digits, or dashed in braces or parentheses. */
export function routeGuid(value: string): string | undefined {
  let text: string;
  try {
    text = decodeURIComponent(value).toLowerCase();
  } catch {
    return undefined;
  }
  if ((text.startsWith('{') && text.endsWith('}')) || (text.startsWith('(') && text.endsWith(')'))) text = text.slice(1, -1);
  if (GUID_LOWER.test(text)) return text;
  if (!GUID_DIGITS.test(text)) return undefined;
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

/**
 * decimal.Round(amount, 2), which rounds half to even, in integer cents. A double cannot hold most decimal
 * ties (19.905 is 19.90499…), so a product within a hair of .5 cents is taken for the tie the client wrote.
 */
export function roundCents(amount: number): number {
  const scaled = amount * 100;
  const floor = Math.floor(scaled);
  if (Math.abs(scaled - floor - 0.5) > 1e-6) return Math.round(scaled) || 0;
  return (floor % 2 === 0 ? floor : floor + 1) || 0;
}

/** A ?from / ?to bound: undefined when absent or empty (the original binds those to null), NaN when not an instant. */
export function queryInstant(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  return parseInstant(value);
}

export interface Decimal {
  units: bigint;
  scale: number;
}

/** The exact decimal a number prints as (0.05 is 5 × 10^-2), so totalFee is computed as a C# decimal would. */
export function decimalOf(n: number): Decimal {
  const [mantissa = '0', exponent = '0'] = String(n).split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const scale = fraction.length - Number(exponent);
  const units = BigInt(whole + fraction);
  return scale >= 0 ? { units, scale } : { units: units * 10n ** BigInt(-scale), scale: 0 };
}

/** units × 10^-scale as a JSON number with at least two decimals and no trailing zeros past them. */
export function formatDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  const text = (negative ? -units : units).toString().padStart(scale + 1, '0');
  let fraction = text.slice(text.length - scale);
  while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${negative ? '-' : ''}${text.slice(0, text.length - scale)}.${fraction}`;
}

