import type { ZmtpPublisher } from '../../../../kit/bus/zmtp/zmtp-publisher.ts';
import { encodePublication } from '../wire/publication.ts';

/** A server's publications, as the course's two frames, through its PUB to the proxy. */
export class PublicationSender {
  constructor(private readonly publisher: ZmtpPublisher) {}

  /** Dropped, as PUB drops, when nobody subscribed to the topic or the proxy is far behind. */
  publish(topic: string, payload: Record<string, unknown>): void {
    if (!this.publisher.wants(Buffer.from(topic, 'utf8'))) return; // spares encoding what would be filtered
    const [topicFrame, payloadFrame] = encodePublication(topic, payload);
    this.publisher.publish(topicFrame, payloadFrame);
  }

  /** Publications the proxy was too far behind to take. */
  get dropped(): number {
    return this.publisher.dropped;
  }
}
