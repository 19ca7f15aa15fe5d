import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { createLogger } from './log.ts';
import { registry } from './metrics.ts';

export interface HttpServerOptions {
  /** Largest request body accepted, in bytes; larger ones get 413. */
  bodyLimit?: number;
  /** Extra fields for GET /health. */
  health?: () => Record<string, unknown>;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;

const log = createLogger('http');

/**
 * A fastify server with /health and Prometheus /metrics registered, a bounded body size, and JSON error
 * replies that say what was wrong (bad input is a 4xx, never a crash). Systems add their routes as
 * encapsulated plugins: `app.register(plugin, { prefix: '/<name>' })`.
 */
export function createHttpServer(options: HttpServerOptions = {}): FastifyInstance {
  const app = Fastify({ bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT, logger: false });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      // The client gets no internals (messages can carry hosts or SQL); the log has them.
      log.error('request failed', { method: request.method, url: request.url, err, stack: err.stack });
      return reply.status(status).send({ error: 'internal error; the server log has the details', code: 'INTERNAL' });
    }
    return reply.status(status).send({ error: err.message, code: err.code ?? 'BAD_REQUEST' });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: `no route for ${request.method} ${request.url}`, code: 'NOT_FOUND' }));

  app.get('/health', async () => ({ status: 'ok', uptime: Math.round(process.uptime()), ...options.health?.() }));
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  return app;
}

/**
 * Stops accepting connections and lets requests in flight finish; connections still open after `graceMs`
 * (WebSockets, streams a client never ends) are cut so that shutdown always completes.
 */
export async function closeHttpServer(app: FastifyInstance, graceMs = 5000): Promise<void> {
  const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}
