export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long it stays open before one probe call may try again. */
  openMs?: number;
  now?: () => number;
}

/**
 * Closed → open after `failureThreshold` failures in a row → half-open after `openMs`, when exactly one probe
 * goes through: its success closes the circuit, its failure opens it again. The caller asks `blocked()` before
 * choosing this target, calls `begin()` when it does, then reports `success()` or `failure()`.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #openMs: number;
  readonly #now: () => number;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 3;
    this.#openMs = options.openMs ?? 1000;
    this.#now = options.now ?? (() => performance.now());
    if (!(this.#threshold >= 1)) throw new RangeError('failureThreshold must be at least 1');
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#openMs) this.#state = 'half-open';
    return this.#state;
  }

  /** True while calls must not go through: open, or half-open with its one probe already out. */
  blocked(): boolean {
    const state = this.state;
    return state === 'open' || (state === 'half-open' && this.#probing);
  }

  begin(): void {
    if (this.state === 'half-open') this.#probing = true;
  }

  success(): void {
    this.#state = 'closed';
    this.#failures = 0;
    this.#probing = false;
  }

  failure(): void {
    this.#probing = false;
    this.#failures += 1;
    if (this.#state === 'half-open' || this.#failures >= this.#threshold) {
      this.#state = 'open';
      this.#openedAt = this.#now();
    }
  }

  /** Forget what was seen: a fresh health report says the target is fine again. */
  reset(): void {
    this.success();
  }
}
