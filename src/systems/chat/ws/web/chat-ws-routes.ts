import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { createLogger } from '../../../../kit/observe/log.ts';
import { docsLink } from '../../../../kit/web/docs-route.ts';
import { mountPage } from '../../../../kit/web/page-route.ts';
import type { ChatUser } from '../domain/client-frames.ts';
import { CLOSE } from '../domain/close-codes.ts';
import { MAX_CONNECTIONS, MAX_FRAME_BYTES } from '../domain/limits.ts';
import type { ChatHub } from '../roles/chat-hub.ts';
import { closesOf } from '../roles/chat-ws-metrics.ts';
import { type TokenAuth, TokenRefusedError, chooseProtocol, tokenOf } from '../roles/token-auth.ts';
import { CHAT_WS_STYLES, chatWsBody } from './chat-ws-page.ts';

const log = createLogger('chat-ws.http');

export interface ChatRoutesOptions {
  hub: ChatHub;
  /** Verifies each connection's token; absent in anonymous mode. */
  auth?: TokenAuth;
  maxConnections?: number;
  /** This server is the chat's alone: an upgrade to any other path is answered 404 instead of left to others. */
  ownsServer: boolean;
}

/**
 * The chat's routes under the plugin's prefix: the page at `/`, and `/ws`, where a WebSocket upgrade becomes a
 * connection of the hub (a plain GET gets 426). Frames over 8 KiB close the connection with 1009; a refused
 * token closes it with 4401 and the reason, so that a browser can show why.
 */
export function mountChatRoutes(app: FastifyInstance, options: ChatRoutesOptions): void {
  const { hub, auth } = options;
  const path = `${app.prefix}/ws`;
  const maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false, clientTracking: false, handleProtocols: chooseProtocol });

  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      if (options.ownsServer) refuseUpgrade(socket, 404, `no WebSocket at ${url.pathname}: connect to ${path}`);
      return;
    }
    socket.on('error', ignoreHandshakeError);
    if (hub.connectionCount >= maxConnections) return refuseUpgrade(socket, 503, `this instance holds ${maxConnections} connections already: try again later`);
    void identify(auth, request, url).then(({ identity, refusal }) => {
      wss.handleUpgrade(request, socket, head, (ws) => {
        socket.off('error', ignoreHandshakeError); // ws handles the socket's errors from here
        if (refusal !== undefined) {
          closesOf(String(CLOSE.unauthorized)).inc();
          ws.close(CLOSE.unauthorized, refusal);
          return;
        }
        hub.accept(ws, identity?.user, identity?.expiresAt);
      });
    });
  };
  app.server.on('upgrade', upgrade);
  // Before the server waits for its connections: the clients are told to go (1001) and their sockets end.
  app.addHook('preClose', async () => {
    app.server.off('upgrade', upgrade);
    await hub.close();
  });
  app.addHook('onClose', async () => {
    wss.close();
  });

  app.get('/ws', async (_request, reply) =>
    reply.status(426).header('upgrade', 'websocket').send({ error: `${path} takes a WebSocket upgrade: connect with new WebSocket("ws://<host>${path}")`, code: 'UPGRADE_REQUIRED' }),
  );
  mountPage(app, {
    title: 'mensageiro · chat',
    here: 'Chat over WebSocket',
    docs: docsLink('chat-ws'),
    styles: CHAT_WS_STYLES,
    body: chatWsBody(hub.anonymous),
    script: new URL('./chat-ws-page.browser.js', import.meta.url),
    modules: [new URL('./chat-ws-socket.browser.js', import.meta.url)],
  });
}

async function identify(auth: TokenAuth | undefined, request: IncomingMessage, url: URL): Promise<{ identity?: { user: ChatUser; expiresAt?: number }; refusal?: string }> {
  if (!auth) return {};
  try {
    return { identity: await auth.verify(tokenOf(request, url)) };
  } catch (err) {
    if (err instanceof TokenRefusedError) return { refusal: err.message };
    log.error('a token could not be checked', { err });
    return { refusal: 'the token could not be checked' };
  }
}

/**
 * A client gone during the handshake is nobody's failure. A function of the module's, not a closure: a closure
 * made in the upgrade handler would keep the upgrade's request (and its headers) alive as long as the socket.
 */
function ignoreHandshakeError(): void {}

function refuseUpgrade(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
