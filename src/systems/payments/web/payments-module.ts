import { timeChart } from '../../../kit/loadgen/time-chart.ts';
import type { SystemModule } from '../../../kit/platform.ts';
import { ProcessorAdmin } from '../bench/processor-admin.ts';
import { PaymentRejection } from '../domain/payment.ts';
import type { ProcessorName } from '../domain/processors.ts';
import { parseTimeRange, summaryJson } from '../domain/summary.ts';
import { type EmbeddedPayments, startEmbeddedPayments } from './embedded-payments.ts';
import { paymentsPage } from './payments-page.ts';

/** The emulators here keep the contest's initial admin token. */
const EMULATOR_TOKEN = '123';
const MAX_LOAD_RATE = 2_000;
const MAX_LOAD_MS = 20_000;

/** Payments as a platform module: the contract under /payments/, the live summaries beside the processors', and a load button. */
export function paymentsModule(): SystemModule {
  let system: EmbeddedPayments | undefined;
  return {
    name: 'payments',
    title: 'Payments',
    async mount(app, { bus, log }) {
      const running = await startEmbeddedPayments(bus, log);
      system = running;
      const page = paymentsPage(app.prefix);
      app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
      app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
      app.post('/payments', async (request, reply) => {
        try {
          await running.backend.accept(typeof request.body === 'string' ? request.body : '');
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
      app.post('/purge-payments', async () => {
        await running.backend.purge();
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
        const body = JSON.parse(typeof request.body === 'string' && request.body ? request.body : '{}') as { delay?: unknown; failure?: unknown };
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
        const body = JSON.parse(typeof request.body === 'string' && request.body ? request.body : '{}') as { rate?: unknown; seconds?: unknown };
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
    async close() {
      await system?.stop();
    },
  };
}
