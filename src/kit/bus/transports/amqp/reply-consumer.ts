import { createLogger } from '../../../observe/log.ts';
import type { Envelope } from '../../envelope.ts';
import type { AmqpLink } from './link.ts';
import { ChannelLostError, ConfirmOutlet } from './outlet.ts';
import { fromMessage } from './properties.ts';
import { type Attachment, Resumable } from './resumable.ts';
import type { Session } from './session.ts';
import { REPLY_TO } from './topology.ts';

const log = createLogger('bus.amqp');

interface ReplyChannel extends Attachment {
  outlet: ConfirmOutlet;
}

/**
 * Direct reply-to: a confirm channel consuming `amq.rabbitmq.reply-to` without acks. RabbitMQ only routes
 * a reply back if the request was published on that same channel with replyTo `amq.rabbitmq.reply-to`,
 * so requests go out through outlet(). After a reconnect the channel is new, and so is the address the
 * broker writes into later requests; replies to requests sent before the drop are lost (they time out).
 */
export class ReplyConsumer extends Resumable<ReplyChannel> {
  constructor(
    link: AmqpLink,
    private readonly onReply: (envelope: Envelope) => void,
  ) {
    super(link, 'the reply consumer');
  }

  protected async attach(session: Session): Promise<ReplyChannel> {
    const channel = await session.openConfirmChannel();
    const outlet = new ConfirmOutlet(channel);
    const state: ReplyChannel = {
      session,
      outlet,
      get open() {
        return outlet.open;
      },
    };
    channel.once('close', () => {
      if (session.alive && this.attachment === state && !this.stopped) this.resumeSoon(1_000);
    });
    try {
      await channel.consume(REPLY_TO, (message) => {
        if (!message) return;
        try {
          this.onReply(fromMessage(message));
        } catch (err) {
          log.error('the reply handler threw', { err });
        }
      }, { noAck: true });
    } catch (err) {
      channel.close().catch(() => {});
      throw err;
    }
    return state;
  }

  /** The channel to publish requests on, for `session` or the one that replaced it. */
  async outlet(session: Session, timeoutMs: number): Promise<ConfirmOutlet> {
    const current = this.attachment;
    if (current?.session === session && current.open) return current.outlet;
    await this.ensure(timeoutMs);
    const fresh = this.attachment;
    if (!fresh?.open) throw new ChannelLostError('the reply channel is not open');
    return fresh.outlet;
  }
}
