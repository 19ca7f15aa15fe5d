/**
 * Money as integer cents, read from the decimal a person wrote and written back as one ("12.30"): it never
 * passes through a float's arithmetic, so 0.1 + 0.2 is 0.30. The columns are DECIMAL(10,2).
 */
export const MAX_CENTS = 99_999_999_99;
export const MAX_AMOUNT = '99999999.99';

/** What a request's amount became: whole cents, or the sentence that says why it is not one. */
export type CentsReading = { cents: number } | { reason: string };

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * A decimal string ("12.3", "12.30") or a JSON number (12.3) as whole cents. A number is read as the shortest
 * text that gives it back (the digits the client wrote, for any amount with under 16 significant digits), so
 * 0.1 is 10 cents and not 0.1000000000000000055… × 100. Negative values are read (the caller says what range
 * it takes); more than two decimal places (other than trailing zeros) and amounts over the column's are not.
 */
export function readCents(field: string, value: unknown): CentsReading {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { reason: `${field} must be a finite number` };
    if (Math.abs(value) >= 1e21) return { reason: `${field} must be at most ${MAX_AMOUNT}` };
    text = String(value);
    // Below 1e-6 a number prints in exponent form; anything that small has more than two decimal places.
    if (text.includes('e')) return { reason: `${field} has more than two decimal places` };
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return { reason: `${field} must be a number or a decimal string, as in 12.30` };
  }
  const match = DECIMAL.exec(text);
  if (!match) return { reason: `${field} must be a decimal number, as in 12.30` };
  const [, sign, whole, fraction = ''] = match;
  const places = fraction.replace(/0+$/, '');
  if (places.length > 2) return { reason: `${field} has more than two decimal places` };
  const digits = whole!.replace(/^0+(?=\d)/, '');
  if (digits.length > 8) return { reason: `${field} must be at most ${MAX_AMOUNT}` };
  const cents = Number(digits) * 100 + Number(places.padEnd(2, '0'));
  return { cents: sign === '-' && cents !== 0 ? -cents : cents };
}

/** Whole cents as the decimal the API and the columns carry: 1230 → "12.30". */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`cents must be a whole number, got ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
