import { chmodSync, existsSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { Logger } from '../../../kit/observe/log.ts';
import type { PaymentsService } from '../roles/payments-instance.ts';
import { paymentsRequestListener } from './payments-http.ts';

export type Listen = { port: number; host?: string } | { socket: string };

/** Serves the contract on a TCP port, or on a unix socket for a load balancer on the same machine (no TCP stack in between). */
export async function startPaymentsServer(backend: PaymentsService, listen: Listen, log: Logger): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 65_000 }, paymentsRequestListener(backend, log));
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  if ('socket' in listen && existsSync(listen.socket)) rmSync(listen.socket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const ready = () => {
      server.off('error', reject);
      resolve();
    };
    if ('socket' in listen) server.listen(listen.socket, ready);
    else server.listen(listen.port, listen.host ?? '0.0.0.0', ready);
  });
  // The load balancer's workers may run as another user.
  if ('socket' in listen) chmodSync(listen.socket, 0o666);
  return server;
}

export function describeListen(server: Server, listen: Listen): string {
  if ('socket' in listen) return `unix:${listen.socket}`;
  const address = server.address();
  return typeof address === 'object' && address ? `http://${listen.host ?? 'localhost'}:${address.port}` : String(address);
}

export function closeServer(server: Server, graceMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
