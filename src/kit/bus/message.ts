import { decodeBody } from './codecs.ts';
import type { Envelope } from './envelope.ts';

/** What a handler receives: the envelope, and its body decoded on first read by the sender's content type. */
export class Message<T = unknown> {
  #decoded = false;
  #body: unknown;

  constructor(readonly envelope: Envelope) {}

  get body(): T {
    if (!this.#decoded) {
      this.#body = decodeBody(this.envelope.contentType, this.envelope.body);
      this.#decoded = true;
    }
    return this.#body as T;
  }

  get headers(): Record<string, string> {
    return this.envelope.headers;
  }
}

export type Handler<T> = (message: Message<T>) => void | Promise<void>;
