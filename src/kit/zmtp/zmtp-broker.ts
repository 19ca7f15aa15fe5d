import type { Server, Socket } from 'node:net';
import { ZmtpConnection, closeListeners, listenTcpPair } from './zmtp-connection.ts';

export interface ZmtpBrokerOptions {
  /** Where clients connect their REQ (or DEALER) sockets: the ROUTER side. */
  frontend: string;
  /** Where servers connect their REP (or DEALER) sockets: the DEALER side. */
  backend: string;
  /**
   * libzmq's high-water marks: how many requests are held while no server can take them (past it, clients stop
   * being read), and, in KiB, how much may wait unsent on one connection before a server is skipped or a
   * client's replies are dropped.
   */
  highWaterMark?: number;
  maxMessageBytes?: number;
}

const DEFAULT_HIGH_WATER_MARK = 10_000;
const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const RETRY_MS = 5;

/**
 * The zguide's request-reply broker (ROUTER in front, DEALER behind) in one event loop, speaking ZMTP over
 * node:net. A request gets its client's identity in front and goes to the next server in turn; a reply's first
 * frame names the client it goes back to (a reply for a client that has gone is dropped, as a ROUTER does).
 * Servers whose connection is that far behind are skipped; with no server at all, requests wait (bounded) for
 * one, and past the bound the clients' connections stop being read, so TCP pushes back on them.
 */
export class ZmtpBroker {
  readonly #clients = new Map<string, ZmtpConnection>();
  readonly #servers: ZmtpConnection[] = [];
  readonly #waiting: Buffer[][] = [];
  readonly #highWaterMark: number;
  readonly #maxBytes: number;
  #next = 0;
  #lastId = 0;
  #paused = false;
  /** While requests wait and servers exist, they are tried again every few ms: a server behind catches up. */
  #retry: NodeJS.Timeout | undefined;

  private constructor(
    private readonly frontend: Server,
    private readonly backend: Server,
    readonly frontendEndpoint: string,
    readonly backendEndpoint: string,
    options: ZmtpBrokerOptions,
  ) {
    this.#highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    frontend.on('connection', (socket) => this.#client(socket));
    backend.on('connection', (socket) => this.#server(socket));
  }

  static async start(options: ZmtpBrokerOptions): Promise<ZmtpBroker> {
    const [frontend, backend] = await listenTcpPair(options.frontend, options.backend);
    return new ZmtpBroker(frontend.server, backend.server, frontend.endpoint, backend.endpoint, options);
  }

  /** Servers connected now. */
  get servers(): number {
    return this.#servers.length;
  }

  /** Drops every connection; resolves once both ports are free. */
  async close(): Promise<void> {
    clearTimeout(this.#retry);
    await closeListeners([this.frontend, this.backend], [...this.#clients.values(), ...this.#servers]);
  }

  #client(socket: Socket): void {
    // libzmq's ROUTER names a peer with 5 bytes: a zero, then a counter.
    const id = Buffer.alloc(5);
    id.writeUInt32BE(++this.#lastId, 1);
    const key = id.toString('latin1');
    const connection = new ZmtpConnection(socket, {
      socketType: 'ROUTER',
      coalesce: false, // a REQ client has one reply coming at a time
      maxMessageBytes: this.#maxBytes,
      onMessage: (frames) => this.#toServer([id, ...frames]),
      onClose: () => this.#clients.delete(key),
    });
    this.#clients.set(key, connection);
    if (this.#paused) connection.pause();
  }

  #server(socket: Socket): void {
    const connection = new ZmtpConnection(socket, {
      socketType: 'DEALER',
      maxMessageBytes: this.#maxBytes,
      onMessage: ([id, ...frames]) => {
        const client = id && frames.length > 0 ? this.#clients.get(id.toString('latin1')) : undefined;
        // A client that does not read its replies gets no more of them, as a ROUTER drops at its high-water mark.
        if (client && client.bufferedBytes < this.#highWaterMark * 1024) client.send(frames);
      },
      onClose: () => {
        const at = this.#servers.indexOf(connection);
        if (at >= 0) this.#servers.splice(at, 1);
      },
    });
    this.#servers.push(connection);
    this.#flush();
  }

  #toServer(frames: Buffer[]): void {
    if (this.#waiting.length === 0 && this.#send(frames)) return;
    this.#waiting.push(frames);
    if (this.#waiting.length >= this.#highWaterMark) this.#pauseClients(true);
    if (this.#servers.length > 0) this.#retry ??= setTimeout(() => this.#flush(), RETRY_MS);
  }

  #flush(): void {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    while (this.#waiting.length > 0 && this.#send(this.#waiting[0]!)) this.#waiting.shift();
    if (this.#paused && this.#waiting.length < this.#highWaterMark / 2) this.#pauseClients(false);
    if (this.#waiting.length > 0 && this.#servers.length > 0) this.#retry = setTimeout(() => this.#flush(), RETRY_MS);
  }

  /** Round-robin over the servers that are not too far behind; false when there is none. */
  #send(frames: Buffer[]): boolean {
    const limit = this.#highWaterMark * 1024;
    for (let tried = 0; tried < this.#servers.length; tried++) {
      const server = this.#servers[this.#next++ % this.#servers.length]!;
      if (server.bufferedBytes < limit && server.send(frames)) return true;
    }
    return false;
  }

  #pauseClients(paused: boolean): void {
    this.#paused = paused;
    for (const client of this.#clients.values()) {
      if (paused) client.pause();
      else client.resume();
    }
  }
}
