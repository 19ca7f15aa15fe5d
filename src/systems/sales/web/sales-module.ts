import { RemoteError, RequestTimeoutError } from '../../../kit/bus/errors.ts';
import { RecentCount } from '../../../kit/observe/recent-count.ts';
import type { SystemModule } from '../../../kit/platform.ts';
import { docsLink } from '../../../kit/web/docs-route.ts';
import { mountPage } from '../../../kit/web/page-route.ts';
import { SALES_REQUESTS_QUEUE } from '../domain/protocol.ts';
import type { SalesResponse } from '../domain/sales-query.ts';
import { exposeBalancerMetrics } from '../roles/balancer-metrics.ts';
import { type EmbeddedSales, startEmbeddedSales } from '../roles/embedded-sales.ts';
import { dbPath } from '../commands/common.ts';
import { SALES_BODY, SALES_STYLES } from './sales-page.ts';

/** Sales as a platform module: balancer and three workers on the platform's bus, a query form and live stats. */
export function salesModule(options: { dbPath?: string } = {}): SystemModule {
  let system: EmbeddedSales | undefined;
  const answered = new RecentCount();
  return {
    name: 'sales',
    title: 'Sales analytics',
    async mount(app, { bus, log }) {
      const running = await startEmbeddedSales({ bus, dbPath: dbPath(options.dbPath), log });
      system = running;
      exposeBalancerMetrics(() => running.balancer.stats());
      mountPage(app, { title: 'mensageiro · sales', here: 'Sales analytics', docs: docsLink('sales'), styles: SALES_STYLES, body: SALES_BODY, script: new URL('./sales-page.browser.js', import.meta.url) });
      app.get('/stats', async () => ({ workers: running.balancer.stats() }));
      app.post('/query', async (request, reply) => {
        try {
          const response = await bus.request<SalesResponse>(SALES_REQUESTS_QUEUE, request.body ?? {}, { timeoutMs: 5_000 });
          answered.add();
          return response;
        } catch (err) {
          if (err instanceof RemoteError) return reply.status(400).send({ error: err.message, code: 'INVALID_QUERY' });
          if (err instanceof RequestTimeoutError) return reply.status(504).send({ error: 'no worker answered within 5 s; check the workers on this page', code: 'TIMEOUT' });
          throw err;
        }
      });
    },
    async health() {
      const workers = system?.balancer.stats() ?? [];
      const up = workers.filter((worker) => worker.healthy).length;
      const queries = answered.total();
      return { healthy: workers.length > 0 && up === workers.length, summary: `${up} of ${workers.length} workers up · ${queries} ${queries === 1 ? 'query' : 'queries'} in the last minute` };
    },
    async close() {
      await system?.stop();
    },
  };
}
