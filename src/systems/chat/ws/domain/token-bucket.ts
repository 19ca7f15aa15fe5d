/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`; each take() spends one. It starts full,
 * so a client may send `burst` frames at once and then `ratePerSecond` a second on average.
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    now: number = Date.now(),
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError(`a token bucket needs a rate above 0 and a burst of at least 1, got ${ratePerSecond} and ${burst}`);
    this.#tokens = burst;
    this.#updatedAt = now;
  }

  /** Spends a token and says true, or says false when the bucket is empty. */
  take(now: number = Date.now()): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whole tokens left now. */
  available(now: number = Date.now()): number {
    this.#refill(now);
    return Math.floor(this.#tokens);
  }

  #refill(now: number): void {
    const elapsed = now - this.#updatedAt;
    if (elapsed <= 0) return;
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed / 1000) * this.ratePerSecond);
    this.#updatedAt = now;
  }
}
