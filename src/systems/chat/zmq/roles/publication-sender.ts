import type { Publisher } from 'zeromq';
import { encodePublication } from '../wire/publication.ts';

/** zeromq allows one send at a time per socket; publications queue here (bounded) and go out in order. */
export class PublicationSender {
  readonly #queue: Array<[Buffer, Buffer]> = [];
  #pumping = false;
  dropped = 0;

  constructor(private readonly socket: Publisher, private readonly maxQueued = 100_000) {}

  publish(topic: string, payload: Record<string, unknown>): void {
    if (this.#queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    this.#queue.push(encodePublication(topic, payload));
    if (!this.#pumping) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let frames = this.#queue.shift(); frames; frames = this.#queue.shift()) await this.socket.send(frames);
    } catch {
      // The socket closed under us: the server is stopping.
    } finally {
      this.#pumping = false;
    }
  }
}
