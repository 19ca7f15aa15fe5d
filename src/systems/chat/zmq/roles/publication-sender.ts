import type { ZmtpPublisher } from '../../../../kit/zmtp/zmtp-publisher.ts';
import { encodePublicationPayload, encodePublicationTopic } from '../wire/publication.ts';

/** A server's publications, as the course's two frames, through its PUB to the proxy. */
export class PublicationSender {
  constructor(private readonly publisher: ZmtpPublisher) {}

  /** Dropped, as PUB drops, when nobody subscribed to the topic (then it is not even encoded) or the proxy is far behind. */
  publish(topic: string, payload: Record<string, unknown>): void {
    this.publisher.publish(encodePublicationTopic(topic), () => encodePublicationPayload(payload));
  }

  /** Publications the proxy was too far behind to take. */
  get dropped(): number {
    return this.publisher.dropped;
  }
}
