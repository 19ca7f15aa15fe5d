import { Counter } from 'prom-client';
import { registry } from '../../../kit/observe/metrics.ts';
import { TalliedHistogram } from '../../../kit/observe/tallied-histogram.ts';

const SECONDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** POST /api/v1/orders and the state changes, by what they answered. */
export const orderRequests = new Counter({
  name: 'fleet_order_requests_total',
  help: 'Order API requests, by route and status code.',
  labelNames: ['route', 'status'] as const,
  registers: [registry],
});

/** The ingest path: from the request's arrival to the order and its outbox row committed. */
export const orderCreateSeconds = new TalliedHistogram('fleet_order_create_seconds', 'POST /api/v1/orders, from the body read to the order and its outbox row committed.', [], SECONDS, registry).labels();

export const outboxPublished = new Counter({ name: 'fleet_outbox_published_total', help: 'Outbox events the broker confirmed.', registers: [registry] });
export const outboxPublishFailures = new Counter({
  name: 'fleet_outbox_publish_failures_total',
  help: 'Outbox publishes that failed, by what became of the row: retry (back to PENDING) or failed (given up).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
/** How long an event waited in the outbox: from its order's commit to the broker's confirm. */
export const outboxLagSeconds = new TalliedHistogram('fleet_outbox_lag_seconds', 'From an order committed to its event confirmed by the broker.', [], SECONDS, registry).labels();
