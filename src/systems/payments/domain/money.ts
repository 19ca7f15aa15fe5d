/** The largest amount a payment may carry: well inside what integer cents can hold exactly in a double. */
export const MAX_AMOUNT_CENTS = 1_000_000_000_00;

/** A decimal amount (19.90) as integer cents (1990); undefined when it is not a positive amount with at most 2 decimals' worth of value. */
export function toCents(amount: number): number | undefined {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return undefined;
  const cents = Math.round(amount * 100);
  return cents >= 1 && cents <= MAX_AMOUNT_CENTS ? cents : undefined;
}

/** Whole cents when `amount` is exactly a number of cents (19.99), undefined when it has more decimals (19.999). */
export function exactCents(amount: number): number | undefined {
  const cents = Math.round(amount * 100);
  // Both sides are the double nearest to cents / 100, so they are equal exactly when the amount is whole cents.
  return cents / 100 === amount ? cents : undefined;
}

/** Integer cents back to the decimal the contract's JSON carries. */
export function fromCents(cents: number): number {
  return cents / 100;
}
