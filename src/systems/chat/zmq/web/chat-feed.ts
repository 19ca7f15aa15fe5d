import type { ServerResponse } from 'node:http';
import { ZmtpSubscriber } from '../../../../kit/zmtp/zmtp-subscriber.ts';
import { decodePublication } from '../wire/publication.ts';
import { type FeedEvent, publicationEvent } from './feed-event.ts';

/** A feed whose client reads slower than this much buffered output loses publications until it catches up. */
const MAX_STREAM_BUFFERED_BYTES = 256 * 1024;
/**
 * A new subscription travels SUB → proxy XPUB → XSUB → each server's PUB before publications on it flow; the
 * feed says "ready" after this long, so that a page publishing on "ready" does not lose its first message.
 */
const SUBSCRIPTION_SETTLE_MS = 200;
const KEEPALIVE_MS = 15_000;

export interface FeedOptions {
  proxy: string;
  user: string;
  channels: string[];
  /** The recent messages on the feed's topics; asked once the subscription is made, so nothing falls between. */
  history: (topics: string[]) => Promise<FeedEvent[]>;
  /** Each publication's Lamport clock, for the user's session. */
  observe: (clock: unknown) => void;
  onEnd: () => void;
}

/**
 * A live feed: its own SUB socket on the proxy, following the user's name (direct messages) and the channels,
 * written out as Server-Sent Events: `history` (the recent messages, once), `ready`, then a `publication` each.
 * The page shows a message that comes both ways once, by its id. Returns the function that ends it (idempotent).
 */
export function openFeed(raw: ServerResponse, options: FeedOptions): () => void {
  const { user, channels } = options;
  const topics = [user, ...channels.filter((channel) => channel !== user)];
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  raw.write('retry: 2000\n\n');
  let dropped = 0;
  let ended = false;
  const send = (event: string, data: unknown) => {
    if (ended) return;
    if (raw.writableLength > MAX_STREAM_BUFFERED_BYTES) {
      dropped++;
      return;
    }
    raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const subscriber = new ZmtpSubscriber({
    endpoint: options.proxy,
    onMessage: (frames) => {
      const publication = decodePublication(frames);
      if (!publication || !topics.includes(publication.topic)) return;
      const event = publicationEvent(publication.topic, publication.payload);
      if (!event) return;
      options.observe(publication.payload.clock);
      send('publication', event);
    },
  });
  for (const topic of topics) subscriber.subscribe(topic);
  options.history(topics).then(
    (events) => send('history', events),
    (err: unknown) => send('history', { error: `the history did not load: ${(err as Error).message}` }),
  );
  const settle = setTimeout(() => send('ready', { user, channels }), SUBSCRIPTION_SETTLE_MS);
  const keepalive = setInterval(() => raw.write(`: keepalive, ${dropped} dropped\n\n`), KEEPALIVE_MS);
  return () => {
    if (ended) return;
    ended = true;
    clearTimeout(settle);
    clearInterval(keepalive);
    subscriber.close();
    raw.end();
    options.onEnd();
  };
}
