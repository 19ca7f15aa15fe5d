import { DEFAULT_MAX_BEHIND_BYTES, ZmtpPubSubProxy } from '../../../../kit/zmtp/zmtp-pubsub-proxy.ts';
import { MAX_TRANSPORT_BYTES } from '../wire/chat-message.ts';

export interface PubSubProxyOptions {
  /** Where publishers (the servers) connect their PUB sockets, as in 'tcp://*:5557'. */
  xsub: string;
  /** Where subscribers (clients, bots, servers) connect their SUB sockets, as in 'tcp://*:5558'. */
  xpub: string;
  /** How far behind (bytes not yet taken by its kernel) a subscriber may fall before it loses copies. */
  maxBehindBytes?: number;
  /** Told how many publications were dropped so far, at most once a second while it happens. */
  onDrop?(dropped: number): void;
}

export interface PubSubProxy {
  readonly xsubEndpoint: string;
  readonly xpubEndpoint: string;
  /** Resolves once both ports can be bound again. */
  close(): Promise<void>;
}

export const DEFAULT_PUBSUB_MAX_BEHIND_BYTES = DEFAULT_MAX_BEHIND_BYTES;

/**
 * The course's Pub/Sub proxy: XSUB for publishers, XPUB for subscribers (publications flow down, subscriptions
 * flow up to the publishers, which filter at the source). It is the zguide's forwarder speaking ZMTP over
 * node:net in one event loop (src/kit/zmtp/zmtp-pubsub-proxy.ts): libzmq's proxy hands each publication from
 * its I/O thread to the proxy thread and back, three thread wake-ups where this takes one.
 *
 * Losing messages: a subscriber that stops reading (alive, so TCP stays up) must not hold up the others, so
 * once it is maxBehindBytes behind (64 MiB: hundreds of thousands of chat publications) its copies are dropped,
 * as an XPUB's high-water mark does, and counted, and the count reported through onDrop: never silently.
 */
export async function startPubSubProxy(options: PubSubProxyOptions): Promise<PubSubProxy> {
  const proxy = await ZmtpPubSubProxy.start({
    xsub: options.xsub,
    xpub: options.xpub,
    maxBehindBytes: options.maxBehindBytes ?? DEFAULT_PUBSUB_MAX_BEHIND_BYTES,
    maxMessageBytes: MAX_TRANSPORT_BYTES,
    onDrop: options.onDrop,
  });
  return { xsubEndpoint: proxy.xsubEndpoint, xpubEndpoint: proxy.xpubEndpoint, close: () => proxy.close() };
}
