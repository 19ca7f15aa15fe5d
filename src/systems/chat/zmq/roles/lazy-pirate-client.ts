import { DEFAULT_ZMTP_MAX_MESSAGE_BYTES, type ZmtpConnection, connectZmtp, parseTcpEndpoint } from '../../../../kit/zmtp/zmtp-connection.ts';
import { ZMTP_RECONNECT_MS } from '../../../../kit/zmtp/zmtp-dialer.ts';
import { type ChatMessage, DEFAULT_MAX_MESSAGE_BYTES, decodeChatMessage, encodeChatMessage } from '../wire/chat-message.ts';

export interface LazyPirateOptions {
  /** How long to wait for each reply. */
  timeoutMs?: number;
  /** How many times to resend after the first try goes unanswered. */
  retries?: number;
  maxMessageBytes?: number;
}

/** No reply through the broker after every retry. */
export class BrokerUnreachableError extends Error {}

/** close() was called while a request was waiting. */
export class ClientClosedError extends Error {}

export const DEFAULT_REQUEST_TIMEOUT_MS = 2_500;
export const DEFAULT_REQUEST_RETRIES = 3;

const EMPTY_FRAME = Buffer.alloc(0);

/**
 * The ZeroMQ guide's Lazy Pirate: a REQ connection to the broker; when a reply does not come in time the
 * connection is thrown away (a REQ cannot send twice in a row, and a late reply must not be taken for the next
 * one's) and a fresh one resends the very same bytes. Write services carry an id, so a server that did get the
 * first copy applies it once. Requests go one at a time, in the order they were made.
 *
 * It speaks ZMTP itself over node:net (REQ: an empty delimiter, then the body), which costs the event loop a
 * third of what a zeromq.js socket does per round trip; the broker sees an ordinary REQ.
 */
export class LazyPirateClient {
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #maxBytes: number;
  #connection: ZmtpConnection | undefined;
  #waiting: ((outcome: Buffer | Error) => void) | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(
    readonly endpoint: string,
    options: LazyPirateOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#retries = options.retries ?? DEFAULT_REQUEST_RETRIES;
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!(this.#timeoutMs > 0)) throw new RangeError(`timeoutMs must be above 0, got ${this.#timeoutMs}`);
    if (!Number.isInteger(this.#retries) || this.#retries < 0) throw new RangeError(`retries must be a whole number from 0 up, got ${this.#retries}`);
    parseTcpEndpoint(endpoint);
  }

  request(message: ChatMessage): Promise<ChatMessage> {
    const bytes = encodeChatMessage(message);
    const result = this.#queue.then(() => this.#exchange(bytes));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.#closed = true;
    this.#drop();
    this.#waiting?.(new ClientClosedError(`the client for ${this.endpoint} was closed before the reply came`));
  }

  async #exchange(bytes: Buffer): Promise<ChatMessage> {
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (this.#closed) throw new ClientClosedError(`the client for ${this.endpoint} is closed`);
      const reply = await this.#attempt(bytes, Date.now() + this.#timeoutMs);
      if (reply instanceof ClientClosedError) throw reply;
      if (reply instanceof Buffer) return decodeChatMessage(reply, this.#maxBytes);
      // Unanswered: this REQ is mid-exchange, so only a fresh connection may send again.
      this.#drop();
    }
    throw new BrokerUnreachableError(
      `no reply from ${this.endpoint} after ${this.#retries + 1} tries of ${this.#timeoutMs} ms each: ` +
        'is the broker running (mensageiro chat zmq broker), with a server connected behind it?',
    );
  }

  /** One try until the deadline: a connection that drops meanwhile is dialled again and the bytes resent. */
  async #attempt(bytes: Buffer, deadline: number): Promise<Buffer | Error> {
    for (;;) {
      const connection = this.#open();
      const outcome = await new Promise<Buffer | Error>((resolve) => {
        const timer = setTimeout(() => resolve(new Error('timeout')), Math.max(0, deadline - Date.now()));
        this.#waiting = (value) => {
          clearTimeout(timer);
          this.#waiting = undefined;
          resolve(value);
        };
        connection.send([EMPTY_FRAME, bytes]);
      });
      this.#waiting = undefined;
      if (!(outcome instanceof ConnectionLostError)) return outcome;
      const pause = Math.min(ZMTP_RECONNECT_MS, deadline - Date.now());
      if (pause <= 0) return outcome;
      await new Promise((resolve) => setTimeout(resolve, pause));
      if (this.#closed) return new ClientClosedError(`the client for ${this.endpoint} was closed before the reply came`);
    }
  }

  #open(): ZmtpConnection {
    if (this.#connection && !this.#connection.closed) return this.#connection;
    const connection = connectZmtp(this.endpoint, {
      socketType: 'REQ',
      coalesce: false,
      // Generous: a reply over maxMessageBytes still arrives, and decoding it gives the reason.
      maxMessageBytes: Math.max(this.#maxBytes * 4, DEFAULT_ZMTP_MAX_MESSAGE_BYTES),
      onMessage: (frames) => {
        // A REQ's reply is [empty delimiter, body]; anything else is not for us.
        if (connection === this.#connection && frames.length === 2 && frames[0]!.length === 0) this.#waiting?.(frames[1]!);
      },
      onClose: () => {
        if (connection === this.#connection) this.#waiting?.(new ConnectionLostError());
      },
    });
    this.#connection = connection;
    return connection;
  }

  #drop(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.close();
  }
}

class ConnectionLostError extends Error {}
