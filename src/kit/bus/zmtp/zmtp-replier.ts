import { type ZmtpConnection, connectZmtp, parseTcpEndpoint } from './zmtp-connection.ts';

/** Requests read ahead while one is being answered; beyond it the connection stops reading. */
const MAX_QUEUED = 256;
const RECONNECT_MS = 100;
const EMPTY_FRAME = Buffer.alloc(0);

export interface ZmtpReplierOptions {
  /** Where to dial: a DEALER or ROUTER that hands out requests, as a broker's backend. */
  endpoint: string;
  /** The answer to one request body; it must not throw. */
  handle(body: Buffer): Promise<Uint8Array>;
  maxMessageBytes?: number;
}

/**
 * A REP socket dialled out, speaking ZMTP over node:net: it takes one request at a time, in order, and sends
 * each answer back along the request's envelope. A dropped connection is dialled again every 100 ms, as
 * libzmq does; requests it held are gone with it, and their clients resend (Lazy Pirate).
 */
export class ZmtpReplier {
  readonly #options: ZmtpReplierOptions;
  #connection: ZmtpConnection | undefined;
  #queue: Buffer[][] = [];
  #answering = false;
  #closed = false;
  #reconnect: NodeJS.Timeout | undefined;
  #idle: Promise<void> = Promise.resolve();

  constructor(options: ZmtpReplierOptions) {
    parseTcpEndpoint(options.endpoint);
    this.#options = options;
    this.#dial();
  }

  /** Stops taking requests; resolves once the one being answered (if any) is done. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnect);
    this.#connection?.close();
    this.#queue = [];
    await this.#idle;
  }

  #dial(): void {
    const connection = connectZmtp(this.#options.endpoint, {
      socketType: 'REP',
      coalesce: false,
      maxMessageBytes: this.#options.maxMessageBytes,
      onMessage: (frames) => this.#take(connection, frames),
      onClose: () => {
        if (connection !== this.#connection) return;
        this.#queue = [];
        if (!this.#closed) this.#reconnect = setTimeout(() => this.#dial(), RECONNECT_MS);
      },
    });
    this.#connection = connection;
  }

  #take(connection: ZmtpConnection, frames: Buffer[]): void {
    if (connection !== this.#connection) return;
    this.#queue.push(frames);
    if (this.#queue.length >= MAX_QUEUED) connection.pause();
    if (!this.#answering) this.#idle = this.#answerAll(connection);
  }

  async #answerAll(connection: ZmtpConnection): Promise<void> {
    this.#answering = true;
    try {
      for (let frames = this.#queue.shift(); frames; frames = this.#queue.shift()) {
        if (this.#queue.length < MAX_QUEUED / 2) connection.resume();
        // The envelope runs to the empty delimiter; a request without one is not a REQ's, and is dropped, as
        // libzmq's REP drops it. The body is the frame after it.
        const delimiter = frames.findIndex((frame) => frame.length === 0);
        if (delimiter < 0) continue;
        const answer = await this.#options.handle(frames[delimiter + 1] ?? EMPTY_FRAME);
        if (connection === this.#connection) connection.send([...frames.slice(0, delimiter + 1), answer]);
      }
    } finally {
      this.#answering = false;
    }
  }
}
