import { Proxy, XPublisher, XSubscriber } from 'zeromq';
import { runProxy } from './broker.ts';

export interface PubSubProxyOptions {
  /** Where publishers (the servers) connect their PUB sockets, as in 'tcp://*:5557'. */
  xsub: string;
  /** Where subscribers (clients, bots, servers) connect their SUB sockets, as in 'tcp://*:5558'. */
  xpub: string;
  /** Messages queued per connected peer: from each publisher, and to each subscriber. */
  highWaterMark?: number;
}

export interface PubSubProxy {
  readonly xsubEndpoint: string;
  readonly xpubEndpoint: string;
  /** Resolves once both ports can be bound again. */
  close(): Promise<void>;
}

export const DEFAULT_PUBSUB_HIGH_WATER_MARK = 100_000;

/**
 * The course's Pub/Sub proxy: XSUB for publishers, XPUB for subscribers, libzmq's proxy between them
 * (publications flow down, subscriptions flow up to the publishers, which filter at the source).
 *
 * Losing messages: a burst is absorbed by queues of highWaterMark messages per peer on both sides, so it
 * takes a subscriber that far behind before anything is dropped, and then only that subscriber's copies.
 * XPUB's noDrop is left off on purpose: with it, one subscriber that stops reading (alive, so TCP stays up)
 * would block the proxy thread, and with it every other subscriber and the proxy's own shutdown. A publisher
 * that must not lose anything on its side either gives its PUB a sendHighWaterMark above its largest burst, or
 * sets noDrop on it and retries a send that fails with EAGAIN (zeromq.js cannot wait on a PUB socket): the
 * proxy keeps draining it.
 *
 * Like the broker, it holds a libuv pool thread while it runs.
 */
export async function startPubSubProxy(options: PubSubProxyOptions): Promise<PubSubProxy> {
  const highWaterMark = options.highWaterMark ?? DEFAULT_PUBSUB_HIGH_WATER_MARK;
  const xsub = new XSubscriber({ linger: 0, receiveHighWaterMark: highWaterMark });
  // No ZMTP heartbeats: a subscriber that is behind stops reading its socket, PINGs included, and would be cut
  // off (its queue thrown away) just when the queue is doing its job.
  const xpub = new XPublisher({ linger: 0, sendHighWaterMark: highWaterMark });
  try {
    await xsub.bind(options.xsub);
    await xpub.bind(options.xpub);
  } catch (err) {
    xsub.close();
    xpub.close();
    throw err;
  }
  const xsubEndpoint = xsub.lastEndpoint ?? options.xsub;
  const xpubEndpoint = xpub.lastEndpoint ?? options.xpub;
  return { xsubEndpoint, xpubEndpoint, close: runProxy(new Proxy(xsub, xpub), [xsubEndpoint, xpubEndpoint]) };
}
