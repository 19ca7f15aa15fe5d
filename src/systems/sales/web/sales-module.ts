import { RemoteError, RequestTimeoutError } from '../../../kit/bus/errors.ts';
import type { SystemModule } from '../../../kit/platform.ts';
import { SALES_REQUESTS_QUEUE } from '../domain/protocol.ts';
import type { SalesResponse } from '../domain/sales-query.ts';
import { exposeBalancerMetrics } from '../roles/balancer-metrics.ts';
import { type EmbeddedSales, startEmbeddedSales } from '../roles/embedded-sales.ts';
import { dbPath } from '../commands/common.ts';
import { salesPage } from './sales-page.ts';

/** Sales as a platform module: balancer and three workers on the platform's bus, a query form and live stats. */
export function salesModule(options: { dbPath?: string } = {}): SystemModule {
  let system: EmbeddedSales | undefined;
  return {
    name: 'sales',
    title: 'Sales analytics',
    async mount(app, { bus, log }) {
      const running = await startEmbeddedSales({ bus, dbPath: dbPath(options.dbPath), log });
      system = running;
      exposeBalancerMetrics(() => running.balancer.stats());
      const page = salesPage(app.prefix);
      app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
      app.get('/stats', async () => ({ workers: running.balancer.stats() }));
      app.post('/query', async (request, reply) => {
        try {
          return await bus.request<SalesResponse>(SALES_REQUESTS_QUEUE, request.body ?? {}, { timeoutMs: 5_000 });
        } catch (err) {
          if (err instanceof RemoteError) return reply.status(400).send({ error: err.message, code: 'INVALID_QUERY' });
          if (err instanceof RequestTimeoutError) return reply.status(504).send({ error: 'no worker answered within 5 s; check the workers on this page', code: 'TIMEOUT' });
          throw err;
        }
      });
    },
    async close() {
      await system?.stop();
    },
  };
}
