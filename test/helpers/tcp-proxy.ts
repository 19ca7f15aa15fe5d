import { type Server, type Socket, connect, createServer } from 'node:net';

/** A loopback TCP proxy in front of an engine, so a test can cut every connection mid-stream. */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  port = 0;

  constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  /** Listens on `port` (a free one by default: a test that starts it late names the port it handed out). */
  async start(port = 0): Promise<this> {
    this.#server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.#sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.#sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  /** Open connections, each counted from both of its ends. */
  get connections(): number {
    return this.#sockets.size;
  }

  /** Destroys every open connection; new ones are still accepted, as after a network blip. */
  drop(): number {
    const count = this.#sockets.size;
    for (const socket of this.#sockets) socket.destroy();
    return count;
  }

  /** The engine URL rewritten to go through this proxy. */
  urlFor(engineUrl: string): string {
    const url = new URL(engineUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  async stop(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
