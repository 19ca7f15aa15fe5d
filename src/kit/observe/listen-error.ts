import { createServer } from 'node:net';

// Apart from http-server.ts so that a command can name ListenError without loading fastify, which a payments
// backend, for one, never uses.

/** A server could not listen: the message says why in plain words and what to type instead. */
export class ListenError extends Error {}

/** `err` from listen() as a ListenError; `command` is what the user typed, for the suggestion. */
export function listenError(err: unknown, where: { port: number; host: string; command: string }): ListenError {
  const { port, host, command } = where;
  switch ((err as { code?: string }).code) {
    case 'EADDRINUSE':
      return new ListenError(`port ${port} is already in use. Stop whatever runs there, or pick another port: ${command} --port ${port + 1}`);
    case 'EACCES':
      return new ListenError(`port ${port} needs privileges this user lacks; pick one above 1023: ${command} --port 3000`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ListenError(`cannot listen on ${host}: no such address on this machine; try --host 127.0.0.1`);
    default:
      return new ListenError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
  }
}

/**
 * Binds host:port for a moment and lets it go, so that a taken port is reported before a command starts
 * anything (workers, emulators, timers) that it would then have to stop again. Port 0 is always free.
 */
export async function ensureCanListen(where: { port: number; host: string; command: string }): Promise<void> {
  if (where.port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err) => reject(listenError(err, where)));
    probe.listen({ port: where.port, host: where.host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
