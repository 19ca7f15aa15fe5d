import type { Channel, ConfirmChannel, Options } from 'amqplib';

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
  async publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    if (this.#drain) await this.#drain;
    this.assertOpen();
    this.write(() => this.channel.publish(exchange, routingKey, content, options));
  }

  /** Set while the write buffer drains. */
  protected get draining(): Promise<void> | undefined {
    return this.#drain;
  }

  protected assertOpen(): void {
    if (!this.#open) throw new ChannelLostError('the channel closed');
  }

  /** Runs one amqplib publish; if it reports a full write buffer, later publishes wait for 'drain'. */
  protected write(publish: () => boolean): void {
    if (publish() || this.#drain) return;
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

  async confirm(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    if (this.draining) await this.draining;
    this.assertOpen();
    return new Promise<void>((resolve, reject) => {
      const onConfirm = (err: Error | null) => {
        if (err === null) {
          if (options.mandatory && options.messageId !== undefined && this.#takeReturned(options.messageId)) {
            reject(new UnroutableError(`no queue "${routingKey}" to route to`));
          } else {
            resolve();
          }
        } else if (err.message === 'message nacked') {
          reject(new NackedError(`the broker refused a message for "${routingKey}"`));
        } else {
          reject(new ChannelLostError(err.message));
        }
      };
      try {
        this.write(() => this.channel.publish(exchange, routingKey, content, options, onConfirm));
      } catch (err) {
        reject(this.open ? err : new ChannelLostError((err as Error).message));
      }
    });
  }

  #takeReturned(messageId: string): boolean {
    const count = this.#returned.get(messageId);
    if (count === undefined) return false;
    if (count <= 1) this.#returned.delete(messageId);
    else this.#returned.set(messageId, count - 1);
    return true;
  }
}
