import type { ZmtpConnection } from './zmtp-connection.ts';
import { ZmtpDialer } from './zmtp-dialer.ts';

/** Requests read ahead while one is being answered; beyond it the connection stops reading. */
const MAX_QUEUED = 256;
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
 * each answer back along the request's envelope. A dropped connection is dialled again (ZmtpDialer); requests
 * it held are gone with it, and their clients resend (Lazy Pirate).
 */
export class ZmtpReplier {
  readonly #handle: ZmtpReplierOptions['handle'];
  readonly #dialer: ZmtpDialer;
  /** Requests in arrival order, each with the connection its answer goes back on. */
  #queue: Array<{ connection: ZmtpConnection; frames: Buffer[] }> = [];
  #answering = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(options: ZmtpReplierOptions) {
    this.#handle = options.handle;
    this.#dialer = new ZmtpDialer(options.endpoint, {
      socketType: 'REP',
      coalesce: false,
      maxMessageBytes: options.maxMessageBytes,
      onMessage: (frames) => this.#take(frames),
      onClose: () => {
        this.#queue = [];
      },
    });
  }

  /** Stops taking requests; resolves once the one being answered (if any) is done. */
  async close(): Promise<void> {
    this.#dialer.close();
    this.#queue = [];
    await this.#idle;
  }

  #take(frames: Buffer[]): void {
    const connection = this.#dialer.connection;
    this.#queue.push({ connection, frames });
    if (this.#queue.length >= MAX_QUEUED) connection.pause();
    if (!this.#answering) this.#idle = this.#answerAll();
  }

  async #answerAll(): Promise<void> {
    this.#answering = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        const { connection, frames } = next;
        if (this.#queue.length < MAX_QUEUED / 2) connection.resume();
        // The envelope runs to the empty delimiter; a request without one is not a REQ's, and is dropped, as
        // libzmq's REP drops it. The body is the frame after it.
        const delimiter = frames.findIndex((frame) => frame.length === 0);
        if (delimiter < 0) continue;
        const answer = await this.#handle(frames[delimiter + 1] ?? EMPTY_FRAME);
        connection.send([...frames.slice(0, delimiter + 1), answer]); // false if it dropped meanwhile: its client resends
      }
    } finally {
      this.#answering = false;
    }
  }
}
