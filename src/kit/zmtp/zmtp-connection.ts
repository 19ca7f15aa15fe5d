import { type Server, type Socket, connect, createServer } from 'node:net';
import {
  FrameReader,
  GREETING_BYTES,
  type ZmtpEvent,
  ZmtpProtocolError,
  type ZmtpSocketType,
  checkGreeting,
  encodeCommand,
  encodeMessage,
  greeting,
  parseProperties,
  readyCommand,
} from './zmtp-codec.ts';

const COMPATIBLE: Record<ZmtpSocketType, readonly string[]> = {
  REQ: ['REP', 'ROUTER'],
  REP: ['REQ', 'DEALER'],
  DEALER: ['REP', 'DEALER', 'ROUTER'],
  ROUTER: ['REQ', 'DEALER', 'ROUTER'],
  PUB: ['SUB', 'XSUB'],
  XPUB: ['SUB', 'XSUB'],
  SUB: ['PUB', 'XPUB'],
  XSUB: ['PUB', 'XPUB'],
};

export const DEFAULT_ZMTP_MAX_MESSAGE_BYTES = 1024 * 1024;
export const DEFAULT_ZMTP_HANDSHAKE_TIMEOUT_MS = 30_000;

export interface ZmtpConnectionOptions {
  socketType: ZmtpSocketType;
  /** Sent in READY; a ROUTER on the other side routes replies by it. */
  identity?: Buffer;
  /** A larger message from the peer drops the connection. */
  maxMessageBytes?: number;
  /**
   * Messages sent in one event-loop turn leave in one write (the default). A socket that never has more than
   * one message to send at a time (REQ, REP) saves the deferred flush by writing each at once: 3 – 7 µs of CPU
   * per round trip with one in flight, measured with scripts/zmtp-round-trip-cost.ts.
   */
  coalesce?: boolean;
  /** A peer that has not finished its greeting and READY by then is dropped (libzmq's handshake interval). */
  handshakeTimeoutMs?: number;
  onMessage(frames: Buffer[]): void;
  /** Once, when the connection is gone: by close(), by the peer, or by a protocol error (then with it). */
  onClose?(error?: Error): void;
}

/**
 * One ZMTP connection over a node:net socket, with no thread between the event loop and the socket. Messages
 * sent in one event-loop turn leave in one write (see `coalesce`); those sent before the handshake is done
 * wait for it.
 */
export class ZmtpConnection {
  readonly #socket: Socket;
  readonly #options: ZmtpConnectionOptions;
  readonly #reader: FrameReader;
  #greeting: Buffer | undefined = Buffer.alloc(0);
  #closed = false;
  #corked = false;
  /** Messages sent before the peer's READY: libzmq drops what comes in ahead of its own handshake. */
  #backlog: Buffer[] | undefined = [];
  #backlogBytes = 0;
  #handshakeTimer: NodeJS.Timeout | undefined;
  readonly ready: Promise<void>;
  #resolveReady!: () => void;
  #rejectReady!: (err: Error) => void;
  /** The peer's socket type, from its READY. */
  peerSocketType: string | undefined;

  constructor(socket: Socket, options: ZmtpConnectionOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#reader = new FrameReader(options.maxMessageBytes ?? DEFAULT_ZMTP_MAX_MESSAGE_BYTES);
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    socket.setNoDelay(true);
    const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_ZMTP_HANDSHAKE_TIMEOUT_MS;
    this.#handshakeTimer = setTimeout(() => {
      this.#socket.destroy();
      this.#finish(new ZmtpProtocolError(`the peer did not finish the ZMTP handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    this.#handshakeTimer.unref();
    socket.write(Buffer.concat([greeting(), readyCommand(options.socketType, options.identity)]));
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (err) => this.#finish(err));
    socket.on('close', () => this.#finish());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Handshake done and not closed: what is sent now goes straight out. */
  get open(): boolean {
    return this.#backlog === undefined && !this.#closed;
  }

  /** False once closed: the message was not sent. */
  send(frames: readonly Uint8Array[]): boolean {
    return this.sendEncoded(encodeMessage(frames));
  }

  /** Sends a message already encoded with encodeMessage: one encoding serves every peer it fans out to. */
  sendEncoded(message: Buffer): boolean {
    if (this.#closed) return false;
    if (this.#backlog) {
      this.#backlog.push(message);
      this.#backlogBytes += message.length;
      return true;
    }
    if (!this.#corked && this.#options.coalesce !== false) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(message);
    return true;
  }

  /** Bytes written but not yet taken by the kernel: what a sender bounds its queue by. */
  get bufferedBytes(): number {
    return this.#socket.writableLength + this.#backlogBytes;
  }

  /** Stops reading: the peer's sends back up into TCP (and its own high-water mark) until resume(). */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  close(): void {
    this.#socket.destroy();
    this.#finish();
  }

  #receive(chunk: Buffer): void {
    try {
      if (this.#greeting) {
        const needed = GREETING_BYTES - this.#greeting.length;
        this.#greeting = Buffer.concat([this.#greeting, chunk.subarray(0, needed)]);
        if (this.#greeting.length < GREETING_BYTES) return;
        checkGreeting(this.#greeting);
        this.#greeting = undefined;
        chunk = chunk.subarray(needed);
        if (chunk.length === 0) return;
      }
      this.#reader.push(chunk, (event) => this.#dispatch(event));
    } catch (err) {
      this.#socket.destroy();
      this.#finish(err as Error);
    }
  }

  #dispatch(event: ZmtpEvent): void {
    if (event.kind === 'message') {
      if (this.#backlog) throw new ZmtpProtocolError('the peer sent a message before READY');
      if (!this.#closed) this.#options.onMessage(event.frames);
      return;
    }
    switch (event.name) {
      case 'READY': {
        const type = parseProperties(event.body).get('Socket-Type')?.toString('latin1');
        if (!type || !COMPATIBLE[this.#options.socketType].includes(type)) {
          throw new ZmtpProtocolError(`a ${this.#options.socketType} cannot talk to a ${type ?? 'nameless'} socket`);
        }
        this.peerSocketType = type;
        clearTimeout(this.#handshakeTimer);
        const backlog = this.#backlog ?? [];
        this.#backlog = undefined;
        this.#backlogBytes = 0;
        if (backlog.length > 0) this.#socket.write(Buffer.concat(backlog));
        this.#resolveReady();
        return;
      }
      case 'PING': {
        // ZMTP 3.1 heartbeat: TTL (2 bytes), then a context the PONG echoes.
        this.#socket.write(encodeCommand('PONG', event.body.subarray(2)));
        return;
      }
      case 'ERROR':
        throw new ZmtpProtocolError(`the peer refused the connection: ${event.body.toString('latin1', 1)}`);
      default:
        return; // PONG and commands of later versions need nothing from us
    }
  }

  #finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#handshakeTimer);
    this.#rejectReady(error ?? new Error('the connection closed before the handshake'));
    this.#options.onClose?.(error);
  }
}

/** Dials a tcp://host:port endpoint. */
export function connectZmtp(endpoint: string, options: ZmtpConnectionOptions): ZmtpConnection {
  const { host, port } = parseTcpEndpoint(endpoint);
  return new ZmtpConnection(connect({ host, port }), options);
}

/** tcp://host:port, with [v6] hosts; '*' stands for every interface. */
export function parseTcpEndpoint(endpoint: string): { host: string; port: number } {
  const match = /^tcp:\/\/\[?([^\]]+?)\]?:(\d+)$/.exec(endpoint);
  if (!match) throw new RangeError(`"${endpoint}" is not a tcp://host:port endpoint`);
  const port = Number(match[2]);
  if (port > 65_535) throw new RangeError(`"${endpoint}": port ${port} is out of range`);
  return { host: match[1] === '*' ? '0.0.0.0' : match[1]!, port };
}

/** Listens on a tcp://host:port endpoint (port 0 picks one); resolves with the server and the endpoint bound. */
export async function listenTcp(endpoint: string): Promise<{ server: Server; endpoint: string }> {
  const { host, port } = parseTcpEndpoint(endpoint);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { server, endpoint: `tcp://${host.includes(':') ? `[${host}]` : host}:${bound}` };
}

/** Listens on two endpoints, as a device's two sides; when the second cannot be bound, the first is let go. */
export async function listenTcpPair(first: string, second: string): Promise<[{ server: Server; endpoint: string }, { server: Server; endpoint: string }]> {
  const a = await listenTcp(first);
  const b = await listenTcp(second).catch((err: unknown) => {
    a.server.close();
    throw err;
  });
  return [a, b];
}

/** Stops listening and drops every connection; resolves once the ports are free. */
export async function closeListeners(servers: Server[], connections: Iterable<ZmtpConnection>): Promise<void> {
  const closed = Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  for (const connection of connections) connection.close();
  await closed;
}
