import { Counter, Gauge } from 'prom-client';
import { registry } from '../../../../kit/observe/metrics.ts';
import type { BreakerState } from '../fleet-breaker.ts';
import type { Middleware } from './order-pipeline.ts';

const processed = new Counter({
  name: 'fleet_worker_processed_total',
  help: 'OrderCreated events handled to an ack, by outcome (dispatched, manual, duplicate, refused); failed ones are retried or parked.',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const failed = new Counter({ name: 'fleet_worker_failed_total', help: 'Handlings that failed: the event is retried, or parked after its last attempt.', registers: [registry] });
const dispatched = new Counter({ name: 'fleet_worker_dispatched_total', help: 'Orders moved to DISPATCHED with a driver.', registers: [registry] });
const manual = new Counter({
  name: 'fleet_worker_manual_total',
  help: 'Orders moved to MANUAL_DISPATCH, by reason (breaker-open, no-driver).',
  labelNames: ['reason'] as const,
  registers: [registry],
});
const duplicates = new Counter({
  name: 'fleet_worker_duplicates_total',
  help: 'Events handled before, by the guard that caught them (redis, inbox).',
  labelNames: ['guard'] as const,
  registers: [registry],
});

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
const breakers = new Set<() => BreakerState>();
new Gauge({
  name: 'fleet_worker_breaker_state',
  help: 'The fleet service breaker: 0 closed, 1 half-open, 2 open (the most open of this process’s workers).',
  registers: [registry],
  collect() {
    this.set(Math.max(0, ...[...breakers].map((state) => STATE_VALUE[state()])));
  },
});

/** Reports a worker's breaker state on /metrics until the returned function is called. */
export function trackBreaker(state: () => BreakerState): () => void {
  breakers.add(state);
  return () => breakers.delete(state);
}

/** Counts each handling's result; outermost, so it sees the duplicates Redis caught and the failures. */
export function countResults(): Middleware {
  return (next) => async (event) => {
    let result;
    try {
      result = await next(event);
    } catch (err) {
      failed.inc();
      throw err;
    }
    processed.labels(result.outcome).inc();
    if (result.outcome === 'dispatched') dispatched.inc();
    else if (result.outcome === 'manual') manual.labels(result.reason).inc();
    else if (result.outcome === 'duplicate') duplicates.labels(result.guard).inc();
    return result;
  };
}
