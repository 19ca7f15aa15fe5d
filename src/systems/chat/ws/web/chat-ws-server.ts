import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../../../kit/observe/http-server.ts';
import { listenError } from '../../../../kit/observe/listen-error.ts';
import { mountDocs } from '../../../../kit/web/docs-route.ts';
import type { ChatHub } from '../roles/chat-hub.ts';
import type { TokenAuth } from '../roles/token-auth.ts';
import { mountChatRoutes } from './chat-ws-routes.ts';

export interface ChatServerOptions {
  port: number;
  host: string;
  auth?: TokenAuth;
  maxConnections?: number;
}

/**
 * One instance's HTTP server: the chat at the root (page, /ws), /health with the hub's figures, /metrics and
 * /docs/. Resolves once it listens, with the port it got; a port it cannot bind is a ListenError.
 */
export async function startChatServer(hub: ChatHub, options: ChatServerOptions): Promise<{ app: FastifyInstance; port: number }> {
  const app = createHttpServer({ health: () => ({ ...hub.stats() }) });
  await app.register(async (scope) => mountChatRoutes(scope, { hub, auth: options.auth, maxConnections: options.maxConnections, ownsServer: true }));
  mountDocs(app);
  await app.listen({ port: options.port, host: options.host }).catch((err: unknown) => {
    throw listenError(err, { port: options.port, host: options.host, command: 'mensageiro chat ws server' });
  });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : options.port };
}
