import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process, served on /metrics by whichever role runs there. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'mensageiro_' });

export const busSent = new Counter({
  name: 'mensageiro_bus_sent_total',
  help: 'Messages handed to the transport, by pattern.',
  labelNames: ['transport', 'kind'] as const,
  registers: [registry],
});

export const busHandled = new Counter({
  name: 'mensageiro_bus_handled_total',
  help: 'Messages handled, by pattern and outcome (ok, retry, dead, error).',
  labelNames: ['transport', 'kind', 'outcome'] as const,
  registers: [registry],
});

export const busRequestSeconds = new Histogram({
  name: 'mensageiro_bus_request_seconds',
  help: 'Request/reply round trip as the caller sees it.',
  labelNames: ['transport', 'outcome'] as const,
  buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
