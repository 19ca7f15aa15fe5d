import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { TalliedHistogram } from './tallied-histogram.ts';

/** One registry per process, served on /metrics by whichever role runs there. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'mensageiro_' });

/**
 * Per-message counts kept on a plain number and added to prom-client when the counter is read (/metrics):
 * a labelled child's inc() hashes its labels on every call, a cost the Bus paid several times per message.
 * One tally per counter and label set, however many Buses count on it.
 */
const tallies = new Map<string, { child: { inc(value: number): void }; count: number }>();

function flushTallies(): void {
  for (const tally of tallies.values()) {
    if (tally.count === 0) continue;
    tally.child.inc(tally.count);
    tally.count = 0;
  }
}

export function tally(counter: Counter<string>, ...labels: string[]): { inc(): void } {
  const key = `${(counter as unknown as { name: string }).name}\0${labels.join('\0')}`;
  let entry = tallies.get(key);
  if (!entry) tallies.set(key, (entry = { child: counter.labels(...labels), count: 0 }));
  const counted = entry;
  return { inc: () => void counted.count++ };
}

export const busSent = new Counter({
  name: 'mensageiro_bus_sent_total',
  help: 'Messages handed to the transport, by pattern.',
  labelNames: ['transport', 'kind'] as const,
  registers: [registry],
  collect: flushTallies,
});

export const busHandled = new Counter({
  name: 'mensageiro_bus_handled_total',
  help: 'Messages handled, by pattern and outcome (ok, retry, dead, error).',
  labelNames: ['transport', 'kind', 'outcome'] as const,
  registers: [registry],
  collect: flushTallies,
});

/** Request/reply round trip as the caller sees it, by transport and outcome (ok, error, timeout). */
export const busRequestSeconds = new TalliedHistogram(
  'mensageiro_bus_request_seconds',
  'Request/reply round trip as the caller sees it.',
  ['transport', 'outcome'],
  [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registry,
);
