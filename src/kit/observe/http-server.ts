import Fastify, { type FastifyInstance } from 'fastify';
import { registry } from './metrics.ts';

export interface HttpServerOptions {
  /** Largest request body accepted, in bytes; larger ones get 413. */
  bodyLimit?: number;
  /** Extra fields for GET /health. */
  health?: () => Record<string, unknown>;
}

const startedAt = Date.now();

/**
 * A fastify server with /health and Prometheus /metrics registered, a bounded body size, and JSON error
 * replies that say what was wrong (bad input is a 4xx, never a crash).
 */
export function createHttpServer(options: HttpServerOptions = {}): FastifyInstance {
  const app = Fastify({ bodyLimit: options.bodyLimit ?? 64 * 1024, logger: false });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const reason = status === 500 ? 'internal error; the server logs have the details' : err.message;
    if (status === 500) process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'request failed', err: err.message })}\n`);
    void reply.status(status).send({ error: reason, code: err.code });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: `no route for ${request.method} ${request.url}`, code: 'NOT_FOUND' });
  });

  app.get('/health', async () => ({ status: 'ok', uptime: Math.round((Date.now() - startedAt) / 1000), ...options.health?.() }));
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return app;
}

/** Resolves when the process gets SIGINT or SIGTERM (Ctrl-C, docker stop). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
