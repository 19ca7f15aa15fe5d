import {
  type CircuitBreakerPolicy,
  CircuitState,
  type IBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  timeout,
  wrap,
} from 'cockatiel';
import { status } from '@grpc/grpc-js';
import type { GeoPoint } from '../domain/order-created.ts';
import { FleetCallError } from '../grpc/grpc-driver-finder.ts';
import type { DriverFinder, FoundDriver } from './driver-finder.ts';

export interface BreakerSettings {
  /** Calls in the window before the breaker may open. */
  minimumRequests: number;
  /** Share of failed calls in the window that opens it. */
  failureRatio: number;
  /** While closed, the counts start again every windowMs. */
  windowMs: number;
  /** Open this long, then one call tries the service: its success closes the breaker, its failure opens it again. */
  halfOpenAfterMs: number;
  /** A call slower than this fails (and counts as a failure). */
  callTimeoutMs: number;
}

/** The reference's breaker: ≥ 10 calls and ≥ 60 % of them failed in a 10 s window; half-open after 30 s; calls cut at 5 s. */
export const SEED_BREAKER: BreakerSettings = { minimumRequests: 10, failureRatio: 0.6, windowMs: 10_000, halfOpenAfterMs: 30_000, callTimeoutMs: 5_000 };

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * cockatiel's breaker decides when; this is the rule: at least `minimumRequests` calls and a failure share of at
 * least `failureRatio` in the current window. The window is tumbling, as gobreaker's Interval: its counts start
 * again every `windowMs` and whenever the breaker changes state. (cockatiel's SamplingBreaker opens only above the
 * ratio, not at it, and asks for a rate rather than a count.)
 */
export class RatioBreaker implements IBreaker {
  #windowStart: number;
  #requests = 0;
  #failures = 0;

  constructor(
    readonly settings: Pick<BreakerSettings, 'minimumRequests' | 'failureRatio' | 'windowMs'>,
    readonly now: () => number = Date.now,
  ) {
    if (!(settings.failureRatio > 0 && settings.failureRatio <= 1)) throw new RangeError(`failureRatio must be above 0 and at most 1, got ${settings.failureRatio}`);
    if (!(settings.minimumRequests >= 1)) throw new RangeError(`minimumRequests must be at least 1, got ${settings.minimumRequests}`);
    this.#windowStart = now();
  }

  get state(): unknown {
    return { windowStart: this.#windowStart, requests: this.#requests, failures: this.#failures };
  }

  set state(value: unknown) {
    const saved = value as { windowStart: number; requests: number; failures: number };
    this.#windowStart = saved.windowStart;
    this.#requests = saved.requests;
    this.#failures = saved.failures;
  }

  success(state: CircuitState): void {
    if (state !== CircuitState.Closed) return this.#reset();
    this.#count(false);
  }

  failure(state: CircuitState): boolean {
    if (state !== CircuitState.Closed) {
      this.#reset();
      return true;
    }
    this.#count(true);
    const trips = this.#requests >= this.settings.minimumRequests && this.#failures >= this.settings.failureRatio * this.#requests;
    if (trips) this.#reset();
    return trips;
  }

  #count(failed: boolean): void {
    if (this.now() - this.#windowStart >= this.settings.windowMs) this.#reset();
    this.#requests++;
    if (failed) this.#failures++;
  }

  #reset(): void {
    this.#windowStart = this.now();
    this.#requests = 0;
    this.#failures = 0;
  }
}

/** Statuses that say the service is in trouble; the others (INVALID_ARGUMENT…) are answers about the request. */
const SERVICE_TROUBLE = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNKNOWN, status.RESOURCE_EXHAUSTED, status.ABORTED, status.CANCELLED]);

/** A failure the breaker counts: the service unreachable, slow or broken. A driver not found is an answer, not a failure. */
export function countsAgainstService(err: Error): boolean {
  if (err instanceof FleetCallError) return SERVICE_TROUBLE.has(err.code);
  return true;
}

/** True when the call was not made because the breaker is open. */
export function isBreakerOpen(err: unknown): boolean {
  return isBrokenCircuitError(err);
}

/** True when the call was cut at the call timeout. (cockatiel 3's own isTaskCancelledError tests the wrong flag.) */
export function isCallTimeout(err: unknown): boolean {
  return err instanceof TaskCancelledError;
}

/** A DriverFinder behind a circuit breaker (cockatiel) and a call timeout. */
export class GuardedFinder implements DriverFinder {
  readonly #breaker: CircuitBreakerPolicy;
  readonly #policy;
  readonly #timeoutMs: number;
  #halfOpen = false;

  constructor(
    readonly inner: DriverFinder,
    settings: BreakerSettings = SEED_BREAKER,
    onStateChange: (state: BreakerState) => void = () => {},
  ) {
    this.#breaker = circuitBreaker(handleWhen((err) => isCallTimeout(err) || countsAgainstService(err)), {
      halfOpenAfter: settings.halfOpenAfterMs,
      breaker: new RatioBreaker(settings),
    });
    this.#breaker.onStateChange((state) => {
      this.#halfOpen = state === CircuitState.HalfOpen;
      onStateChange(this.state);
    });
    this.#policy = wrap(this.#breaker, timeout(settings.callTimeoutMs, TimeoutStrategy.Aggressive));
    this.#timeoutMs = settings.callTimeoutMs;
  }

  /** Rejects at once with cockatiel's BrokenCircuitError while the breaker is open (see isBreakerOpen). */
  find(orderId: string, pickup: GeoPoint): Promise<FoundDriver | undefined> {
    // A call the timeout abandons may reject first with its own error (a cancelled gRPC call): it is the timeout.
    return this.#policy.execute(({ signal }) =>
      this.inner.find(orderId, pickup, signal).catch((err: unknown) => {
        throw signal.aborted ? new TaskCancelledError(`SearchDriver took longer than ${this.#timeoutMs} ms`) : err;
      }),
    );
  }

  get state(): BreakerState {
    if (this.#halfOpen) return 'half-open';
    return this.#breaker.state === CircuitState.Open ? 'open' : 'closed';
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}
