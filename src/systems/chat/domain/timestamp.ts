/** Numbers below this are seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_BELOW = 1e11;
/** The largest ms a Date can hold. */
const MAX_DATE_MS = 8.64e15;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const DECIMAL = /^\d+(?:\.\d+)?$/;

function fromNumber(value: number): number | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const ms = Math.round(value < SECONDS_BELOW ? value * 1000 : value);
  return ms > 0 && ms <= MAX_DATE_MS ? ms : undefined;
}

/**
 * A client's timestamp as ms since the epoch: seconds (int or float, as Python's time.time()) or ms, a
 * decimal string of either, or an ISO 8601 string (without an offset it is local time, as JavaScript reads it).
 * Anything else is undefined: negative times, and the epoch itself, which is what a client that never set the
 * field sends rather than a time.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value === 'bigint') return fromNumber(Number(value));
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (DECIMAL.test(text)) return fromNumber(Number(text));
  if (!ISO_8601.test(text)) return undefined;
  const ms = Date.parse(text);
  return ms > 0 ? ms : undefined; // NaN (never > 0) when the text is no date
}

/** Unix seconds as a float, what Python's time.time() gives. */
export function toWireTimestamp(ms: number): number {
  return ms / 1000;
}
