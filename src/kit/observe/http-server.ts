import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { schemaErrorFormatter } from '../web/validation-errors.ts';
import { createLogger } from './log.ts';
import { registry } from './metrics.ts';

export interface HttpServerOptions {
  /** Largest request body accepted, in bytes; larger ones get 413. */
  bodyLimit?: number;
  /**
   * Extra fields for GET /health, which may be checked asynchronously (a ping to each engine); a `status` among
   * them other than 'ok' answers 503, so a load balancer or an orchestrator takes the process out of rotation.
   */
  health?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;

const log = createLogger('http');

/** fastify's own refusals of a body, as sentences that say what to send instead. */
const PARSER_ERRORS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is too large for this request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the body is empty: send a JSON object, or no content-type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'the body is not valid JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'this content-type is not taken here: send application/json',
};

/**
 * A fastify server with /health and Prometheus /metrics registered, a bounded body size, and JSON error
 * replies that say what was wrong in a sentence (bad input is a 4xx, never a crash): a route's schema refuses
 * through the kit's one formatter, `{ error: 'user must not be empty', code }`. Systems add their routes as
 * encapsulated plugins, which inherit both: `app.register(plugin, { prefix: '/<name>' })`.
 */
export function createHttpServer(options: HttpServerOptions = {}): FastifyInstance {
  const app = Fastify({ bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT, logger: false, schemaErrorFormatter });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      // The client gets no internals (messages can carry hosts or SQL); the log has them.
      log.error('request failed', { method: request.method, url: request.url, err, stack: err.stack });
      return reply.status(status).send({ error: 'internal error; the server log has the details', code: 'INTERNAL' });
    }
    const code = err.code ?? 'BAD_REQUEST';
    return reply.status(status).send({ error: PARSER_ERRORS[code] ?? err.message, code });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: `no route for ${request.method} ${request.url}`, code: 'NOT_FOUND' }));

  app.get('/health', async (_request, reply) => {
    const health = { status: 'ok', uptime: Math.round(process.uptime()), ...(await options.health?.()) };
    return reply.status(health.status === 'ok' ? 200 : 503).send(health);
  });
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
