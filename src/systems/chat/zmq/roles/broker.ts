import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Dealer, Proxy, Router } from 'zeromq';

export interface BrokerOptions {
  /** Where clients and bots connect their REQ sockets, as in 'tcp://*:5555'. */
  frontend: string;
  /** Where servers connect their REP sockets, as in 'tcp://*:5556'. */
  backend: string;
  /** Messages queued per connected peer, each way. */
  highWaterMark?: number;
}

export interface Broker {
  /** The bound addresses, resolved (a ':0' in the options becomes the port picked). */
  readonly frontendEndpoint: string;
  readonly backendEndpoint: string;
  /** Resolves once both ports can be bound again. */
  close(): Promise<void>;
}

/**
 * Room for every request a server has not read yet. A server stuck with this many is skipped by the DEALER's
 * round-robin; a dead one takes its queue with it and the clients resend (Lazy Pirate).
 */
export const DEFAULT_BROKER_HIGH_WATER_MARK = 10_000;

/**
 * The course's request/reply broker: a ROUTER for clients, a DEALER that deals requests round-robin to the
 * servers, and libzmq's own proxy between them. The ROUTER keeps each client's envelope on the way in, so
 * replies find their way back.
 *
 * The proxy loop runs in a thread of libuv's pool (4 threads unless UV_THREADPOOL_SIZE says otherwise) for as
 * long as the broker is up; fs and dns calls share the rest.
 */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const highWaterMark = options.highWaterMark ?? DEFAULT_BROKER_HIGH_WATER_MARK;
  // Not `mandatory`: a reply for a client that has gone is dropped, where a mandatory ROUTER would stop the proxy.
  const frontend = new Router({ linger: 0, sendHighWaterMark: highWaterMark, receiveHighWaterMark: highWaterMark });
  // No ZMTP heartbeats: a server that is only behind stops reading its socket, so it misses the PINGs too and
  // would be cut off with every request queued for it.
  const backend = new Dealer({ linger: 0, sendHighWaterMark: highWaterMark, receiveHighWaterMark: highWaterMark });
  try {
    await frontend.bind(options.frontend);
    await backend.bind(options.backend);
  } catch (err) {
    frontend.close();
    backend.close();
    throw err;
  }
  const frontendEndpoint = frontend.lastEndpoint ?? options.frontend;
  const backendEndpoint = backend.lastEndpoint ?? options.backend;
  return { frontendEndpoint, backendEndpoint, close: runProxy(new Proxy(frontend, backend), [frontendEndpoint, backendEndpoint]) };
}

/** Starts the proxy; the function returned stops it (once, however often it is called) and resolves when its ports are free. */
export function runProxy(proxy: Proxy, endpoints: string[]): () => Promise<void> {
  let running = true;
  const stopped = proxy.run().then(
    () => undefined,
    () => undefined, // it only fails once its sockets are gone, which is what close() wants too
  );
  void stopped.then(() => {
    running = false;
  });
  return async () => {
    if (running) {
      running = false;
      try {
        proxy.terminate();
      } catch {
        // it stopped on its own between the check and the call
      }
    }
    await stopped;
    await untilPortsFree(endpoints);
  };
}

/**
 * libzmq tears a closed socket's listeners down in its own I/O thread, after close() has returned, so for a
 * moment the port is still taken. This resolves once each tcp:// endpoint can be bound again (or after
 * timeoutMs), so that whoever starts again on the same port finds it free.
 */
export async function untilPortsFree(endpoints: string[], timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const endpoint of endpoints) {
    const match = /^tcp:\/\/\[?([^\]]+?)\]?:(\d+)$/.exec(endpoint);
    if (!match) continue;
    const [, host, port] = match;
    while (Date.now() < deadline && (await portTaken(host!, Number(port)))) await sleep(5);
  }
}

function portTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    probe.listen({ host, port }, () => probe.close(() => resolve(false)));
  });
}
