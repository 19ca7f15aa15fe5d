import type { Channel } from 'amqplib';
import { createLogger } from '../../../observe/log.ts';
import type { Envelope } from '../../envelope.ts';
import type { AmqpLink } from './link.ts';
import { fromMessage } from './properties.ts';
import { type Attachment, Resumable } from './resumable.ts';
import type { Session } from './session.ts';
import { TOPIC_EXCHANGE } from './topology.ts';

const log = createLogger('bus.amqp');

interface TopicChannel extends Attachment {
  channel: Channel;
  open: boolean;
}

/**
 * One subscribe(): an exclusive, auto-deleted, server-named queue bound to `mensageiro.topics` with the
 * pattern (AMQP's own `*` and `#`), consumed without acks: at most once. The queue is capped, dropping
 * its oldest messages, so a stuck subscriber cannot fill the broker. After a reconnect a new queue is
 * bound; what was published in between is gone, as at-most-once allows.
 */
export class TopicSubscription extends Resumable<TopicChannel> {
  constructor(
    link: AmqpLink,
    private readonly pattern: string,
    private readonly maxLength: number,
    private readonly onMessage: (envelope: Envelope) => void,
  ) {
    super(link, `subscription to ${pattern}`);
  }

  protected async attach(session: Session): Promise<TopicChannel> {
    const channel = await session.openChannel();
    const state: TopicChannel = { session, channel, open: true };
    channel.once('close', () => {
      state.open = false;
      if (session.alive && this.attachment === state && !this.stopped) this.resumeSoon(1_000);
    });
    try {
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false, arguments: { 'x-max-length': this.maxLength } });
      await channel.bindQueue(queue, TOPIC_EXCHANGE, this.pattern);
      await channel.consume(queue, (message) => {
        if (message === null) {
          if (this.attachment === state) this.resumeSoon(1_000); // the queue was deleted under us
          return;
        }
        try {
          this.onMessage(fromMessage(message));
        } catch (err) {
          log.error('a topic handler threw', { pattern: this.pattern, err });
        }
      }, { noAck: true });
    } catch (err) {
      channel.close().catch(() => {});
      throw err;
    }
    if (this.stopped) channel.close().catch(() => {});
    return state;
  }

  async cancel(): Promise<void> {
    this.stop();
    const state = this.attachment;
    if (state?.open) await state.channel.close().catch(() => {});
  }
}
