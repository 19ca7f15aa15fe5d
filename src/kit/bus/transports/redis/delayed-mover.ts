import { createLogger } from '../../../observe/log.ts';
import type { ScriptedRedis } from './scripts.ts';

const log = createLogger('bus.redis');

const POLL_MS = 50;
const BATCH = 500;

export function delayedKey(queue: string): string {
  return `${queue}.delayed`;
}

/**
 * Moves delayed messages whose time has come from `<queue>.delayed` onto the queue's stream, for every
 * queue this transport consumes and every queue it sent a delayed message to (until that one's set is
 * empty). Several processes may move the same queue: the Lua script moves each member once.
 */
export class DelayedMover {
  readonly #consumed = new Map<string, number>();
  /** Queue → a stamp, bumped on each delayed send, so a tick that began earlier does not forget it. */
  readonly #sentTo = new Map<string, number>();
  #stamp = 0;
  readonly #timer: NodeJS.Timeout;
  #running = false;

  constructor(private readonly redis: ScriptedRedis) {
    this.#timer = setInterval(() => void this.#tick(), POLL_MS);
    this.#timer.unref();
  }

  sentDelayed(queue: string): void {
    this.#sentTo.set(queue, ++this.#stamp);
  }

  /** Returns the function that stops watching the queue for this consumer. */
  consuming(queue: string): () => void {
    this.#consumed.set(queue, (this.#consumed.get(queue) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.#consumed.get(queue) ?? 1) - 1;
      if (left > 0) this.#consumed.set(queue, left);
      else this.#consumed.delete(queue);
    };
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    const queues = new Set([...this.#consumed.keys(), ...this.#sentTo.keys()]);
    if (queues.size === 0) return;
    this.#running = true;
    try {
      await Promise.all(
        [...queues].map(async (queue) => {
          const stamp = this.#sentTo.get(queue);
          const [, waiting] = await this.redis.busMoveDue(delayedKey(queue), queue, BATCH);
          if (waiting === 0 && this.#sentTo.get(queue) === stamp) this.#sentTo.delete(queue);
        }),
      );
    } catch (err) {
      log.debug('could not move delayed messages; will try again', { err });
    } finally {
      this.#running = false;
    }
  }
}
