import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { KeyedRateLimiter, type RateLimit } from '../../../kit/resilience/keyed-rate-limiter.ts';
import { formatCents } from '../domain/money.ts';
import type { OrderAction } from '../domain/order-status.ts';
import { orderIdProblem, readNewOrder } from '../domain/order.ts';
import { orderCreateSeconds, orderRequests } from '../roles/fleet-metrics.ts';
import { traceparentFor } from '../roles/trace-context.ts';
import { DuplicateOrderError, type OrderStore } from '../store/order-store.ts';

export interface OrderRoutesOptions {
  orders: OrderStore;
  /** Per client address; none when undefined (benches). */
  rateLimit?: RateLimit;
}

/** What each action's refusal says: "it cannot be cancelled". */
const PAST: Record<'cancel' | 'deliver', string> = { cancel: 'cancelled', deliver: 'delivered' };
const MAX_LIST = 100;

/**
 * The order API, registered under a prefix (/api/v1):
 *   POST /orders {id, price, tax, pickup?}  201 {id, final_price}; 400 with every reason; 409 when the id exists
 *   GET  /orders/:id                         the order; 404
 *   GET  /orders?limit=20                    the newest orders
 *   POST /orders/:id/cancel | /deliver       the order after it; 409 with its state when that state refuses; 404
 * Every refusal is `{ error, code }` with the reason as a sentence; past the rate limit, 429 with Retry-After.
 */
export async function orderRoutes(app: FastifyInstance, options: OrderRoutesOptions): Promise<void> {
  const { orders } = options;
  if (options.rateLimit) limitRate(app, options.rateLimit);
  app.addHook('onResponse', async (request, reply) => {
    orderRequests.labels(`${request.method} ${request.routeOptions.url ?? 'unknown'}`, String(reply.statusCode)).inc();
  });

  app.post('/orders', async (request, reply) => {
    const started = performance.now();
    const reading = readNewOrder(request.body);
    if ('reasons' in reading) return refuse(reply, 400, reading.reasons.join('; '), 'INVALID_ORDER');
    const { order } = reading;
    try {
      await orders.create(order, traceparentFor(request.headers.traceparent));
    } catch (err) {
      if (err instanceof DuplicateOrderError) return refuse(reply, 409, err.message, 'DUPLICATE_ORDER');
      throw err;
    }
    orderCreateSeconds.observe((performance.now() - started) / 1_000);
    return reply
      .status(201)
      .header('location', `${app.prefix}/orders/${order.id}`)
      .send({ id: order.id, final_price: formatCents(order.finalCents) });
  });

  app.get('/orders', { schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_LIST } }, additionalProperties: false } } }, async (request) => {
    const { limit = 20 } = request.query as { limit?: number };
    return { orders: await orders.recent(limit) };
  });

  app.get('/orders/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const problem = orderIdProblem(id);
    if (problem) return refuse(reply, 400, problem, 'INVALID_ID');
    const order = await orders.get(id);
    return order ?? refuse(reply, 404, `no order with id "${id}"`, 'NOT_FOUND');
  });

  for (const action of ['cancel', 'deliver'] as const satisfies OrderAction[]) {
    app.post(`/orders/:id/${action}`, async (request, reply) => {
      const { id } = request.params as { id: string };
      const problem = orderIdProblem(id);
      if (problem) return refuse(reply, 400, problem, 'INVALID_ID');
      const result = await orders.apply(id, action);
      if (result.outcome === 'missing') return refuse(reply, 404, `no order with id "${id}"`, 'NOT_FOUND');
      if (result.outcome === 'refused') {
        return reply.status(409).send({ error: `the order is ${result.current}: it cannot be ${PAST[action]}`, code: 'INVALID_TRANSITION', status: result.current });
      }
      return result.order;
    });
  }
}

function refuse(reply: FastifyReply, status: number, error: string, code: string): FastifyReply {
  return reply.status(status).send({ error, code });
}

/** A token bucket per client address on every route of the plugin: 429 with Retry-After in whole seconds. */
function limitRate(app: FastifyInstance, limit: RateLimit): void {
  const limiter = new KeyedRateLimiter(limit);
  app.addHook('onRequest', async (request, reply) => {
    const waitMs = limiter.take(request.ip);
    if (waitMs === 0) return;
    const seconds = Math.max(1, Math.ceil(waitMs / 1_000));
    return reply
      .status(429)
      .header('retry-after', String(seconds))
      .send({ error: `too many requests from ${request.ip}: at most ${limit.perSecond} a second, in bursts of ${limit.burst}; retry in ${seconds} s`, code: 'RATE_LIMITED' });
  });
}
