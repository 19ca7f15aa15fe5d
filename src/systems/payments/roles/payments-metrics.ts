import { Counter, Gauge } from 'prom-client';
import { registry } from '../../../kit/observe/metrics.ts';
import { PROCESSORS } from '../domain/processors.ts';

export interface DispatcherStats {
  queued: number;
  capacity: number;
  inFlight: Record<(typeof PROCESSORS)[number], number>;
  reconciling: number;
  unrecorded: number;
}

const sources = new Set<() => DispatcherStats>();

function sum(pick: (s: DispatcherStats) => number): number {
  let total = 0;
  for (const source of sources) total += pick(source());
  return total;
}

new Gauge({ name: 'payments_queue_depth', help: 'Accepted payments waiting for a processor.', registers: [registry], collect() { this.set(sum((s) => s.queued)); } });
new Gauge({ name: 'payments_queue_capacity', help: 'Payments the queue holds before POST /payments answers 503.', registers: [registry], collect() { this.set(sum((s) => s.capacity)); } });
new Gauge({ name: 'payments_reconciling', help: 'Payments whose answer was lost, being looked up on the processor before any resend.', registers: [registry], collect() { this.set(sum((s) => s.reconciling)); } });
new Gauge({ name: 'payments_unrecorded', help: 'Processed payments waiting to be written to the ledger.', registers: [registry], collect() { this.set(sum((s) => s.unrecorded)); } });
new Gauge({
  name: 'payments_in_flight',
  help: 'Requests open to each processor.',
  labelNames: ['processor'] as const,
  registers: [registry],
  collect() {
    for (const p of PROCESSORS) this.set({ processor: p }, sum((s) => s.inFlight[p]));
  },
});

export const paymentsAccepted = new Counter({ name: 'payments_accepted_total', help: 'POST /payments answered 202.', registers: [registry] });
export const paymentsRejected = new Counter({ name: 'payments_rejected_total', help: 'POST /payments refused, by status.', labelNames: ['status'] as const, registers: [registry] });
export const paymentsDroppedRepeats = new Counter({
  name: 'payments_dropped_repeats_total',
  help: 'Repeats answered 202 by the instance that owns their id, whose id another instance had claimed first: not sent.',
  registers: [registry],
});
export const paymentsClaims = new Counter({
  name: 'payments_claims_total',
  help: 'New correlationIds claimed, by whether the answer went out at once or after the shared store confirmed the id new.',
  labelNames: ['answered'] as const,
  registers: [registry],
});
export const paymentsProcessed = new Counter({ name: 'payments_processed_total', help: 'Payments a processor stored, by processor.', labelNames: ['processor'] as const, registers: [registry] });
export const paymentsRetried = new Counter({ name: 'payments_retried_total', help: 'Sends that came back unprocessed, by outcome.', labelNames: ['processor', 'outcome'] as const, registers: [registry] });

const outboxes = new Set<() => number>();
new Gauge({
  name: 'payments_unqueued',
  help: 'Accepted payments an API instance holds because the queue did not take them yet.',
  registers: [registry],
  collect() {
    let total = 0;
    for (const size of outboxes) total += size();
    this.set(total);
  },
});

export function trackOutbox(size: () => number): () => void {
  outboxes.add(size);
  return () => outboxes.delete(size);
}

export function trackStats(source: () => DispatcherStats): () => void {
  sources.add(source);
  return () => sources.delete(source);
}
