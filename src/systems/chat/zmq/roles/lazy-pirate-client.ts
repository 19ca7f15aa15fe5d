import { Request } from 'zeromq';
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

/**
 * The ZeroMQ guide's Lazy Pirate: a REQ socket to the broker; when a reply does not come in time the socket is
 * thrown away (a REQ cannot send twice in a row, and a late reply must not be taken for the next one's) and a
 * fresh one resends the very same bytes. Write services carry an id, so a server that did get the first copy
 * applies it once. Requests go one at a time, in the order they were made.
 */
export class LazyPirateClient {
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #maxBytes: number;
  #socket: Request | undefined;
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
  }

  request(message: ChatMessage): Promise<ChatMessage> {
    const bytes = encodeChatMessage(message);
    const result = this.#queue.then(() => this.#exchange(bytes));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.#closed = true;
    this.#socket?.close();
    this.#socket = undefined;
  }

  async #exchange(bytes: Buffer): Promise<ChatMessage> {
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (this.#closed) throw new ClientClosedError(`the client for ${this.endpoint} is closed`);
      const socket = this.#open();
      let frames: Buffer[];
      try {
        await socket.send(bytes);
        frames = await socket.receive();
      } catch (err) {
        if (this.#closed) throw new ClientClosedError(`the client for ${this.endpoint} was closed before the reply came`);
        // Whatever happened, this REQ is mid-exchange: only a fresh one may send again.
        socket.close();
        if (this.#socket === socket) this.#socket = undefined;
        if ((err as { code?: string }).code !== 'EAGAIN') throw err;
        continue;
      }
      const [frame] = frames;
      return decodeChatMessage(frame ?? Buffer.alloc(0), this.#maxBytes);
    }
    throw new BrokerUnreachableError(
      `no reply from ${this.endpoint} after ${this.#retries + 1} tries of ${this.#timeoutMs} ms each: ` +
        'is the broker running (mensageiro chat zmq broker), with a server connected behind it?',
    );
  }

  #open(): Request {
    if (!this.#socket) {
      // linger 0: an unanswered request is dropped with the socket, not held for a broker that is not there.
      this.#socket = new Request({ linger: 0, receiveTimeout: this.#timeoutMs, sendTimeout: this.#timeoutMs });
      this.#socket.connect(this.endpoint);
    }
    return this.#socket;
  }
}
