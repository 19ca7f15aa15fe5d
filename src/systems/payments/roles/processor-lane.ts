import { CircuitBreaker } from '../../../kit/resilience/circuit-breaker.ts';
import type { ProcessorHealth } from '../domain/health-report.ts';
import type { ProcessorName } from '../domain/processors.ts';
import type { ProcessorView } from '../domain/routing.ts';
import type { ProcessorClient } from './processor-client.ts';

const SMOOTHING = 0.2;

/** One processor as this instance sees it: its health report, what it measured itself, and its requests in flight. */
export class ProcessorLane {
  readonly breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1_000 });
  health: ProcessorHealth | undefined;
  #averageMs = 0;
  #started = new Map<number, number>();
  #next = 0;
  #lastFailureAt = 0;

  constructor(
    readonly name: ProcessorName,
    readonly client: ProcessorClient,
    readonly maxInFlight: number,
  ) {}

  get inFlight(): number {
    return this.#started.size;
  }

  view(now: number): ProcessorView {
    // Map keeps insertion order, so the first entry is the request that has waited longest.
    const oldest = this.#started.values().next();
    const oldestAge = oldest.done ? 0 : now - oldest.value;
    return {
      failing: (this.health?.failing ?? false) || this.breaker.blocked(),
      latencyMs: Math.max(this.health?.minResponseTime ?? 0, this.#averageMs, oldestAge),
      inFlight: this.#started.size,
      maxInFlight: this.maxInFlight,
    };
  }

  begin(now: number): number {
    this.breaker.begin();
    const token = this.#next++;
    this.#started.set(token, now);
    return token;
  }

  end(token: number, now: number, outcome: 'ok' | 'failed' | 'neutral'): void {
    const started = this.#started.get(token);
    this.#started.delete(token);
    if (started !== undefined && outcome === 'ok') this.#averageMs += SMOOTHING * (now - started - this.#averageMs);
    if (outcome === 'ok') this.breaker.success();
    if (outcome === 'failed') {
      this.breaker.failure();
      this.#lastFailureAt = Date.now();
    }
  }

  /** A report newer than our last failure overrides it; its figure restarts the average, which only our own sends move otherwise. */
  applyHealth(health: ProcessorHealth, checkedAt: number): void {
    this.health = health;
    this.#averageMs = health.minResponseTime;
    if (!health.failing && checkedAt > this.#lastFailureAt) this.breaker.reset();
  }
}
