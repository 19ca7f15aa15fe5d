import { type ZmtpConnection, connectZmtp, parseTcpEndpoint } from './zmtp-connection.ts';

const RECONNECT_MS = 100;
/** A proxy that far behind gets no more publications until it catches up, as a PUB's high-water mark does. */
export const DEFAULT_PUBLISHER_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/**
 * A PUB socket dialled out to an XSUB (a proxy), speaking ZMTP 3.0 over node:net. It filters at the source as
 * libzmq's PUB does: the XSUB forwards its subscribers' subscriptions as messages (first byte 1 to subscribe,
 * 0 to cancel, then the prefix), and a publication goes out only when its topic starts with one of them.
 * Publications with no connection, or beyond the buffer bound, are dropped and counted: that is PUB's contract.
 */
export class ZmtpPublisher {
  readonly #endpoint: string;
  readonly #maxBufferedBytes: number;
  /** Subscribed prefixes, with how many subscribers asked for each. */
  readonly #prefixes = new Map<string, { prefix: Buffer; count: number }>();
  #connection: ZmtpConnection | undefined;
  #ready = false;
  #reconnect: NodeJS.Timeout | undefined;
  #closed = false;
  dropped = 0;

  constructor(endpoint: string, maxBufferedBytes = DEFAULT_PUBLISHER_MAX_BUFFERED_BYTES) {
    parseTcpEndpoint(endpoint);
    this.#endpoint = endpoint;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#dial();
  }

  /** Sends [topic, ...frames] when someone subscribed to a prefix of topic; false when it was dropped or filtered. */
  publish(topic: Buffer, ...frames: Buffer[]): boolean {
    const connection = this.#connection;
    if (!this.#ready || !connection || !this.#wanted(topic)) return false;
    if (connection.bufferedBytes > this.#maxBufferedBytes) {
      this.dropped++;
      return false;
    }
    return connection.send([topic, ...frames]);
  }

  /** True once some subscriber has a prefix of topic (for tests and for callers that want to wait). */
  wants(topic: Buffer): boolean {
    return this.#ready && this.#wanted(topic);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#reconnect);
    this.#connection?.close();
  }

  #wanted(topic: Buffer): boolean {
    for (const { prefix } of this.#prefixes.values()) {
      if (prefix.length <= topic.length && topic.compare(prefix, 0, prefix.length, 0, prefix.length) === 0) return true;
    }
    return false;
  }

  #dial(): void {
    const connection = connectZmtp(this.#endpoint, {
      socketType: 'PUB',
      maxMessageBytes: 64 * 1024,
      onMessage: (frames) => this.#subscription(frames),
      onClose: () => {
        if (connection !== this.#connection) return;
        this.#ready = false;
        this.#prefixes.clear(); // a new connection brings every subscription again
        if (!this.#closed) this.#reconnect = setTimeout(() => this.#dial(), RECONNECT_MS);
      },
    });
    this.#connection = connection;
    connection.ready.then(
      () => {
        if (connection === this.#connection) this.#ready = true;
      },
      () => undefined,
    );
  }

  #subscription([frame]: Buffer[]): void {
    if (!frame || frame.length === 0 || (frame[0] !== 0 && frame[0] !== 1)) return;
    const prefix = Buffer.from(frame.subarray(1));
    const key = prefix.toString('latin1');
    const entry = this.#prefixes.get(key);
    if (frame[0] === 1) {
      if (entry) entry.count++;
      else this.#prefixes.set(key, { prefix, count: 1 });
    } else if (entry && --entry.count === 0) {
      this.#prefixes.delete(key);
    }
  }
}
