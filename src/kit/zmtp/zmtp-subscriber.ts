import { ZmtpDialer } from './zmtp-dialer.ts';
import { PrefixTable, subscriptionMessage } from './zmtp-subscriptions.ts';

export interface ZmtpSubscriberOptions {
  /** Where to dial: a PUB, or a proxy's XPUB. */
  endpoint: string;
  /** Each message whose first frame starts with a subscribed prefix. */
  onMessage(frames: Buffer[]): void;
  /** A larger message drops the connection (then it is dialled again). */
  maxMessageBytes?: number;
}

/**
 * A SUB socket dialled out, speaking ZMTP 3.0 over node:net: its subscriptions go to the publisher, which
 * filters at the source, and they are sent again on every new connection. It also filters what arrives, as
 * libzmq's SUB does, so a publisher that sends everything is still filtered. A slow reader is not queued for:
 * the messages wait in TCP, and the publisher's high-water mark decides what happens past that.
 */
export class ZmtpSubscriber {
  readonly #prefixes = new PrefixTable<'self'>();
  readonly #dialer: ZmtpDialer;

  constructor(options: ZmtpSubscriberOptions) {
    this.#dialer = new ZmtpDialer(options.endpoint, {
      socketType: 'SUB',
      maxMessageBytes: options.maxMessageBytes,
      onDial: (connection) => {
        for (const prefix of this.#prefixes.prefixes()) connection.send(subscriptionMessage(true, prefix));
      },
      onMessage: (frames) => {
        if (frames[0] && this.#prefixes.matches(frames[0])) options.onMessage(frames);
      },
    });
  }

  /** The connection's handshake is done: subscriptions sent from now on take effect at once. */
  get open(): boolean {
    return this.#dialer.open;
  }

  /** Receives messages whose topic starts with prefix (a string is taken as UTF-8). */
  subscribe(prefix: string | Buffer): void {
    const bytes = Buffer.from(prefix);
    if (this.#prefixes.add(bytes, 'self')) this.#dialer.connection.send(subscriptionMessage(true, bytes));
  }

  unsubscribe(prefix: string | Buffer): void {
    const bytes = Buffer.from(prefix);
    if (this.#prefixes.remove(bytes, 'self')) this.#dialer.connection.send(subscriptionMessage(false, bytes));
  }

  close(): void {
    this.#dialer.close();
  }
}
