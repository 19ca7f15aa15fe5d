import type { Channel, ConfirmChannel } from 'amqplib';
import type { PublishFields } from './properties.ts';

/** The broker refused the message: with x-overflow reject-publish this means the queue is full. */
export class NackedError extends Error {
  override name = 'NackedError';
}

/** A mandatory message reached no queue: the queue was deleted behind our back, or a delay bucket expired. */
export class UnroutableError extends Error {
  override name = 'UnroutableError';
}

/** The channel (or its connection) closed before the broker confirmed; whether it got there is unknown. */
export class ChannelLostError extends Error {
  override name = 'ChannelLostError';
}

interface ChannelInternals {
  sendMessage?(fields: PublishFields, properties: PublishFields, content: Buffer): boolean;
  pushConfirmCallback?(callback: (err: Error | null) => void): void;
}

/**
 * Publishes on one channel, respecting its write buffer: once amqplib says the buffer is full, later
 * publishes wait for it to drain rather than pile up in memory.
 */
export class Outlet<C extends Channel = Channel> {
  #open = true;
  #drain: Promise<void> | undefined;

  constructor(readonly channel: C) {
    channel.once('close', () => (this.#open = false));
  }

  get open(): boolean {
    return this.#open;
  }

  /** Fire and forget: topics are at most once. */
  async publish(fields: PublishFields, content: Buffer): Promise<void> {
    if (this.#drain) await this.#drain;
    this.assertOpen();
    this.wrote(this.send(fields, content));
  }

  /**
   * Channel.sendMessage with fields already in the shape publish() would build (see PublishFields), then the
   * confirm callback queued as ConfirmChannel.publish queues it. Reaches into amqplib's channel, so it falls
   * back to publish() if that changes.
   */
  protected send(fields: PublishFields, content: Buffer, onConfirm?: (err: Error | null) => void): boolean {
    const channel = this.channel as unknown as ChannelInternals;
    if (typeof channel.sendMessage !== 'function' || (onConfirm && typeof channel.pushConfirmCallback !== 'function')) {
      return onConfirm
        ? (this.channel as unknown as ConfirmChannel).publish(fields.exchange, fields.routingKey, content, fields, onConfirm)
        : this.channel.publish(fields.exchange, fields.routingKey, content, fields);
    }
    const written = channel.sendMessage(fields, fields, content);
    if (onConfirm) channel.pushConfirmCallback!(onConfirm);
    return written;
  }

  /** Set while the write buffer drains. */
  protected get draining(): Promise<void> | undefined {
    return this.#drain;
  }

  protected assertOpen(): void {
    if (!this.#open) throw new ChannelLostError('the channel closed');
  }

  /** After one amqplib publish: if it reported a full write buffer, later publishes wait for 'drain'. */
  protected wrote(accepted: boolean): void {
    if (accepted || this.#drain) return;
    this.#drain = new Promise<void>((resolve) => {
      const done = () => {
        this.channel.off('drain', done);
        this.channel.off('close', done);
        this.#drain = undefined;
        resolve();
      };
      this.channel.on('drain', done);
      this.channel.on('close', done);
    });
  }
}

/**
 * A confirm channel: each publish resolves when the broker confirms it, with many outstanding at once
 * (per-publish callbacks, never waitForConfirms), which is what makes confirms fast.
 */
export class ConfirmOutlet extends Outlet<ConfirmChannel> {
  /** Message ids the broker returned as unroutable; the return always comes before that message's ack. */
  readonly #returned = new Map<string, number>();

  constructor(channel: ConfirmChannel) {
    super(channel);
    channel.on('return', (message) => {
      const id = message.properties.messageId;
      if (typeof id === 'string') this.#returned.set(id, (this.#returned.get(id) ?? 0) + 1);
    });
    channel.once('close', () => this.#returned.clear());
  }

  /** Not an async function: per publish that is one promise and one microtask turn less. */
  confirm(fields: PublishFields, content: Buffer): Promise<void> {
    if (this.draining) return this.draining.then(() => this.confirm(fields, content));
    if (!this.open) return Promise.reject(new ChannelLostError('the channel closed'));
    return new Promise<void>((resolve, reject) => {
      try {
        this.wrote(this.send(fields, content, (err) => this.#confirmed(fields, err, resolve, reject)));
      } catch (err) {
        reject(this.open ? err : new ChannelLostError((err as Error).message));
      }
    });
  }

  #confirmed(fields: PublishFields, err: Error | null, resolve: () => void, reject: (err: Error) => void): void {
    if (err === null) {
      if (fields.mandatory && fields.messageId !== undefined && this.#takeReturned(fields.messageId)) {
        reject(new UnroutableError(`no queue "${fields.routingKey}" to route to`));
      } else {
        resolve();
      }
    } else if (err.message === 'message nacked') {
      reject(new NackedError(`the broker refused a message for "${fields.routingKey}"`));
    } else {
      reject(new ChannelLostError(err.message));
    }
  }

  #takeReturned(messageId: string): boolean {
    const count = this.#returned.get(messageId);
    if (count === undefined) return false;
    if (count <= 1) this.#returned.delete(messageId);
    else this.#returned.set(messageId, count - 1);
    return true;
  }
}
