import { ZmtpDialer } from './zmtp-dialer.ts';
import { MAX_SUBSCRIPTION_BYTES, PrefixTable, parseSubscription } from './zmtp-subscriptions.ts';

/** A proxy that far behind gets no more publications until it catches up, as a PUB's high-water mark does. */
export const DEFAULT_PUBLISHER_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/**
 * A PUB socket dialled out to an XSUB (a proxy), speaking ZMTP 3.0 over node:net. It filters at the source as
 * libzmq's PUB does: the XSUB forwards its subscribers' subscriptions as messages (first byte 1 to subscribe,
 * 0 to cancel, then the prefix), and a publication goes out only when its topic starts with one of them.
 * Publications with no connection, or beyond the buffer bound, are dropped and counted: that is PUB's contract.
 */
export class ZmtpPublisher {
  readonly #maxBufferedBytes: number;
  /** Subscribed prefixes, with how many times the proxy asked for each. */
  readonly #prefixes = new PrefixTable<'proxy'>();
  readonly #dialer: ZmtpDialer;
  dropped = 0;

  constructor(endpoint: string, maxBufferedBytes = DEFAULT_PUBLISHER_MAX_BUFFERED_BYTES) {
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#dialer = new ZmtpDialer(endpoint, {
      socketType: 'PUB',
      maxMessageBytes: MAX_SUBSCRIPTION_BYTES,
      onMessage: (frames) => this.#subscription(frames),
      onClose: () => this.#prefixes.clear(), // the next connection brings every subscription again
    });
  }

  /**
   * Sends [topic, payload] when someone subscribed to a prefix of topic; false when it was dropped or filtered.
   * A payload given as a function is only encoded when it goes out.
   */
  publish(topic: Buffer, payload: Buffer | (() => Buffer)): boolean {
    if (!this.wants(topic)) return false;
    const connection = this.#dialer.connection;
    if (connection.bufferedBytes > this.#maxBufferedBytes) {
      this.dropped++;
      return false;
    }
    return connection.send([topic, typeof payload === 'function' ? payload() : payload]);
  }

  /** True once some subscriber has a prefix of topic (for tests and for callers that want to wait). */
  wants(topic: Buffer): boolean {
    return this.#dialer.open && this.#prefixes.matches(topic);
  }

  close(): void {
    this.#dialer.close();
  }

  #subscription(frames: Buffer[]): void {
    const subscription = parseSubscription(frames);
    if (subscription) this.#prefixes.apply(subscription, 'proxy');
  }
}
