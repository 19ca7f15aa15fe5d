import { RecentCount } from '../../../kit/observe/recent-count.ts';
import type { SystemModule } from '../../../kit/platform.ts';
import { docsLink } from '../../../kit/web/docs-route.ts';
import { mountPage } from '../../../kit/web/page-route.ts';
import { API_PREFIX } from '../roles/fleet-api.ts';
import { type EmbeddedFleet, startEmbeddedFleet } from './embedded-fleet.ts';
import { FLEET_STYLES, fleetBody } from './fleet-page.ts';
import { orderRoutes } from './order-routes.ts';

const RECENT_ORDERS = 15;

/** Fleet as a platform module: the order API under /fleet/api/v1, PGlite, the relay on the platform's bus, and a page. */
export function fleetModule(options: { dataDir?: string } = {}): SystemModule {
  let system: EmbeddedFleet | undefined;
  const created = new RecentCount();
  return {
    name: 'fleet',
    title: 'Fleet dispatch',
    async mount(app, { bus, log }) {
      const running = startEmbeddedFleet({ bus, log, dataDir: options.dataDir });
      system = running;
      mountPage(app, { title: 'mensageiro · fleet', here: 'Fleet dispatch', docs: docsLink('fleet'), styles: FLEET_STYLES, body: fleetBody(app.prefix), script: new URL('./fleet-page.browser.js', import.meta.url) });
      await app.register(async (scope) => orderRoutes(scope, { orders: running.stores.orders }), { prefix: API_PREFIX });
      app.addHook('onResponse', async (request, reply) => {
        if (request.method === 'POST' && reply.statusCode === 201) created.add();
      });
      app.get('/state', async () => {
        if (!running.isReady()) return { ready: false, problem: running.problem(), orders: [] };
        const [orders, outbox] = await Promise.all([running.stores.orders.recent(RECENT_ORDERS), running.stores.outbox.counts()]);
        return { ready: true, orders, outbox, relay: running.relay.stats() };
      });
    },
    async health() {
      if (!system) return { healthy: false, summary: 'not started' };
      const problem = system.problem();
      if (problem) return { healthy: false, summary: problem };
      if (!system.isReady()) return { healthy: true, summary: 'starting its database (PGlite)' };
      const count = created.total();
      return { healthy: true, summary: `${count} ${count === 1 ? 'order' : 'orders'} in the last minute · ${system.relay.stats().published} events published` };
    },
    async close() {
      await system?.stop();
    },
  };
}
