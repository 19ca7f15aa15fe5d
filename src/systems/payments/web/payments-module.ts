import { timeChart } from '../../../kit/loadgen/time-chart.ts';
import { RecentCount } from '../../../kit/observe/recent-count.ts';
import type { SystemModule } from '../../../kit/platform.ts';
import { docsLink } from '../../../kit/web/docs-route.ts';
import { mountPage } from '../../../kit/web/page-route.ts';
import { ProcessorAdmin } from '../bench/processor-admin.ts';
import { PaymentRejection } from '../domain/payment.ts';
import type { ProcessorName } from '../domain/processors.ts';
import { parseTimeRange, summaryJson } from '../domain/summary.ts';
import { type EmbeddedPayments, startEmbeddedPayments } from './embedded-payments.ts';
import { PAYMENTS_STYLES, paymentsBody } from './payments-page.ts';

/** The emulators here keep the contest's initial admin token. */
const EMULATOR_TOKEN = '123';
const MAX_LOAD_RATE = 2_000;
const MAX_LOAD_MS = 20_000;

/** Payments as a platform module: the contract under /payments/, the live summaries beside the processors', and a load button. */
export function paymentsModule(): SystemModule {
  let system: EmbeddedPayments | undefined;
  const accepted = new RecentCount();
  return {
    name: 'payments',
    title: 'Payments',
    async mount(app, { bus, log }) {
      const running = await startEmbeddedPayments(bus, log);
      system = running;
      app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
      mountPage(app, { title: 'mensageiro · payments', here: 'Payments', docs: docsLink('payments'), styles: PAYMENTS_STYLES, body: paymentsBody(app.prefix), script: new URL('./payments-page.browser.js', import.meta.url) });
      app.post('/payments', async (request, reply) => {
        try {
          await running.backend.accept(typeof request.body === 'string' ? request.body : '');
          accepted.add();
          return reply.status(202).send();
        } catch (err) {
          if (err instanceof PaymentRejection) return reply.status(err.status).send({ error: err.message });
          throw err;
        }
      });
      app.get('/payments-summary', async (request, reply) => {
        const query = request.query as { from?: string; to?: string };
        try {
          const summary = await running.backend.summary(parseTimeRange(query.from ?? null, query.to ?? null));
          return reply.type('application/json').send(summaryJson(summary));
        } catch (err) {
          if (err instanceof PaymentRejection) return reply.status(err.status).send({ error: err.message });
          throw err;
        }
      });
      // The page's Purge starts both sides again from zero: ours alone would leave every row showing a mismatch.
      app.post('/purge-payments', async (_request, reply) => {
        await running.backend.purge();
        for (const name of ['default', 'fallback'] as const) {
          const admin = new ProcessorAdmin(name, running.processors[name].url, { token: EMULATOR_TOKEN });
          const answer = await admin.purge().finally(() => admin.close());
          if (answer.status !== 200) return reply.status(502).send({ error: `ours was purged, but the ${name} processor refused its purge (HTTP ${answer.status}): ${answer.body || answer.error}` });
        }
        return { message: 'All payments purged.' };
      });
      app.get('/state', async () => {
        const all = parseTimeRange(null, null);
        const backend = await running.backend.summary(all);
        return {
          backend,
          processors: {
            default: { ...running.processors.default.summary(), ...running.processors.default.state() },
            fallback: { ...running.processors.fallback.summary(), ...running.processors.fallback.state() },
          },
          dispatcher: running.backend.stats(),
        };
      });
      app.put('/processors/:name', async (request, reply) => {
        const { name } = request.params as { name: string };
        const processor = name === 'default' || name === 'fallback' ? running.processors[name] : undefined;
        if (!processor) return reply.status(404).send({ error: 'no such processor: use default or fallback' });
        const body = jsonObject(request.body) as { delay?: unknown; failure?: unknown } | undefined;
        if (!body) return reply.status(400).send({ error: 'send a JSON object, as {"delay": 100} or {"failure": true}' });
        if (body.delay !== undefined && !(Number.isInteger(body.delay) && (body.delay as number) >= 0)) return reply.status(400).send({ error: 'delay must be a whole number of ms, 0 or more' });
        if (body.failure !== undefined && typeof body.failure !== 'boolean') return reply.status(400).send({ error: 'failure must be true or false' });
        const admin = new ProcessorAdmin(name as ProcessorName, processor.url, { token: EMULATOR_TOKEN });
        const replies = [body.delay === undefined ? undefined : await admin.setDelay(body.delay as number), body.failure === undefined ? undefined : await admin.setFailure(body.failure)];
        admin.close();
        const refused = replies.find((r) => r && r.status !== 200);
        if (refused) return reply.status(502).send({ error: `the processor refused the change (HTTP ${refused.status}): ${refused.body || refused.error}` });
        return processor.state();
      });
      app.post('/load', async (request, reply) => {
        const body = jsonObject(request.body) as { rate?: unknown; seconds?: unknown } | undefined;
        if (!body) return reply.status(400).send({ error: 'send a JSON object, as {"rate": 300, "seconds": 5}' });
        const rate = Number(body.rate ?? 300);
        const ms = Number(body.seconds ?? 5) * 1000;
        if (!(rate > 0 && rate <= MAX_LOAD_RATE) || !(ms > 0 && ms <= MAX_LOAD_MS)) {
          return reply.status(400).send({ error: `rate must be 1–${MAX_LOAD_RATE} per second and seconds 1–${MAX_LOAD_MS / 1000}` });
        }
        const address = app.server.address();
        const port = typeof address === 'object' && address ? address.port : 3000;
        const result = await running.runLoad(`http://127.0.0.1:${port}${app.prefix}/payments`, rate, ms);
        return { count: result.count, ok: result.ok, failed: result.failed, rps: result.rps, p50: result.p50, p90: result.p90, p99: result.p99, max: result.max, chart: timeChart(result.timeline) };
      });
    },
    async health() {
      if (!system) return { healthy: false, summary: 'not started' };
      const failing = (['default', 'fallback'] as const).filter((name) => system!.processors[name].state().failing);
      const count = accepted.total();
      const processors = failing.length === 0 ? 'both processors answering' : `${failing.join(' and ')} failing`;
      return { healthy: failing.length < 2, summary: `${count} ${count === 1 ? 'payment' : 'payments'} in the last minute · ${processors}` };
    },
    async close() {
      await system?.stop();
    },
  };
}

/** The body as a JSON object ({} when empty), or undefined when it is not one. */
function jsonObject(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'string' || body === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
