import type { Server, Socket } from 'node:net';
import { encodeMessage } from './zmtp-codec.ts';
import { DEFAULT_ZMTP_MAX_MESSAGE_BYTES, ZmtpConnection, closeListeners, listenTcpPair } from './zmtp-connection.ts';
import { MAX_SUBSCRIPTION_BYTES, PrefixTable, parseSubscription, subscriptionMessage } from './zmtp-subscriptions.ts';

export interface ZmtpPubSubProxyOptions {
  /** Where publishers connect their PUB (or XPUB) sockets: the XSUB side. */
  xsub: string;
  /** Where subscribers connect their SUB (or XSUB) sockets: the XPUB side. */
  xpub: string;
  /**
   * How far, in bytes, a subscriber may fall behind (written to it and not yet taken by its kernel) before its
   * copies are dropped, as an XPUB's high-water mark does. The others are not held up by it.
   */
  maxBehindBytes?: number;
  /** A larger publication drops its publisher's connection. */
  maxMessageBytes?: number;
  /** Called with the publications dropped so far, at most once a second while drops go on. */
  onDrop?(dropped: number): void;
}

export const DEFAULT_MAX_BEHIND_BYTES = 64 * 1024 * 1024;
const DROP_REPORT_MS = 1_000;

/**
 * The zguide's XSUB/XPUB forwarder in one event loop, speaking ZMTP 3.0 over node:net: publications flow from
 * the publishers to the subscribers whose prefixes match their first frame, encoded once for all of them;
 * subscriptions flow up, each prefix sent to every publisher when its first subscriber asks and cancelled when
 * its last one leaves, and all of them sent to a publisher that connects. A subscriber that disconnects takes its
 * subscriptions with it.
 */
export class ZmtpPubSubProxy {
  readonly #publishers = new Set<ZmtpConnection>();
  readonly #subscriptions = new PrefixTable<ZmtpConnection>();
  readonly #maxBehindBytes: number;
  readonly #maxMessageBytes: number;
  readonly #onDrop: ((dropped: number) => void) | undefined;
  readonly #subscribers = new Set<ZmtpConnection>();
  #dropReport: NodeJS.Timeout | undefined;
  /** Publications dropped for subscribers that were too far behind. */
  dropped = 0;
  /** Publications that reached at least one subscriber. */
  forwarded = 0;

  private constructor(
    private readonly xsubServer: Server,
    private readonly xpubServer: Server,
    readonly xsubEndpoint: string,
    readonly xpubEndpoint: string,
    options: ZmtpPubSubProxyOptions,
  ) {
    this.#maxBehindBytes = options.maxBehindBytes ?? DEFAULT_MAX_BEHIND_BYTES;
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_ZMTP_MAX_MESSAGE_BYTES;
    this.#onDrop = options.onDrop;
    xsubServer.on('connection', (socket) => this.#publisher(socket));
    xpubServer.on('connection', (socket) => this.#subscriber(socket));
  }

  static async start(options: ZmtpPubSubProxyOptions): Promise<ZmtpPubSubProxy> {
    const [xsub, xpub] = await listenTcpPair(options.xsub, options.xpub);
    return new ZmtpPubSubProxy(xsub.server, xpub.server, xsub.endpoint, xpub.endpoint, options);
  }

  /** Distinct prefixes subscribed to now. */
  get prefixes(): number {
    return this.#subscriptions.size;
  }

  /** Drops every connection; resolves once both ports are free. */
  async close(): Promise<void> {
    clearTimeout(this.#dropReport);
    await closeListeners([this.xsubServer, this.xpubServer], [...this.#publishers, ...this.#subscribers]);
  }

  #publisher(socket: Socket): void {
    const connection = new ZmtpConnection(socket, {
      socketType: 'XSUB',
      maxMessageBytes: this.#maxMessageBytes,
      onMessage: (frames) => this.#forward(frames),
      onClose: () => this.#publishers.delete(connection),
    });
    this.#publishers.add(connection);
    for (const prefix of this.#subscriptions.prefixes()) connection.send(subscriptionMessage(true, prefix));
  }

  #subscriber(socket: Socket): void {
    const connection = new ZmtpConnection(socket, {
      socketType: 'XPUB',
      maxMessageBytes: MAX_SUBSCRIPTION_BYTES,
      onMessage: (frames) => {
        const subscription = parseSubscription(frames);
        if (!subscription) return; // an XSUB may send other messages upstream; a proxy has nowhere to take them
        if (this.#subscriptions.apply(subscription, connection)) this.#upstream(subscription.subscribe, subscription.prefix);
      },
      onClose: () => {
        this.#subscribers.delete(connection);
        for (const prefix of this.#subscriptions.removeHolder(connection)) this.#upstream(false, prefix);
      },
    });
    this.#subscribers.add(connection);
  }

  #upstream(subscribe: boolean, prefix: Buffer): void {
    const message = subscriptionMessage(subscribe, prefix);
    for (const publisher of this.#publishers) publisher.send(message);
  }

  #forward(frames: Buffer[]): void {
    const topic = frames[0];
    if (!topic) return;
    const subscribers = this.#subscriptions.holdersOf(topic);
    if (subscribers.size === 0) return;
    const message = encodeMessage(frames);
    let delivered = false;
    for (const subscriber of subscribers) {
      if (subscriber.bufferedBytes > this.#maxBehindBytes) {
        this.dropped++;
        this.#reportDrops();
      } else if (subscriber.sendEncoded(message)) {
        delivered = true;
      }
    }
    if (delivered) this.forwarded++;
  }

  #reportDrops(): void {
    if (!this.#onDrop || this.#dropReport) return;
    this.#dropReport = setTimeout(() => {
      this.#dropReport = undefined;
      this.#onDrop?.(this.dropped);
    }, DROP_REPORT_MS);
    this.#dropReport.unref();
  }
}
