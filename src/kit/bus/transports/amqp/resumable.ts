import { createLogger } from '../../../observe/log.ts';
import type { AmqpLink } from './link.ts';
import type { Session } from './session.ts';

const log = createLogger('bus.amqp');

/** What a Resumable set up on one session; `open` turns false when its channel closes. */
export interface Attachment {
  readonly session: Session;
  readonly open: boolean;
}

/**
 * Something that lives on a channel and must come back after a reconnect: a queue consumer, a topic
 * subscription, the reply consumer. It attaches to the live session, and again to every new one; if its
 * channel dies while the connection lives (a channel error, a queue deleted under it), it comes back
 * after a pause.
 */
export abstract class Resumable<A extends Attachment = Attachment> {
  protected stopped = false;
  protected attachment: A | undefined;
  #chain: Promise<void> = Promise.resolve();
  #unlisten: (() => void) | undefined;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    protected readonly link: AmqpLink,
    protected readonly label: string,
  ) {}

  /** Sets up on the current session; rejects if that fails, e.g. with a QueueArgumentsError. */
  async start(timeoutMs: number): Promise<void> {
    this.#unlisten = this.link.onSession(() => this.resumeSoon(0));
    try {
      await this.#resume(timeoutMs);
    } catch (err) {
      this.stop();
      throw err;
    }
  }

  /** Sets up on `session`, returning what it made there. */
  protected abstract attach(session: Session): Promise<A>;

  /** Whether what was set up still serves; by default, while its channel is open. */
  protected isLive(attachment: A): boolean {
    return attachment.open;
  }

  /** A failure to set up again that is a normal state of affairs, retried without a warning. */
  protected expected(_err: unknown): boolean {
    return false;
  }

  /** Forgets the channel without touching it: closing the connection does the rest. */
  stop(): void {
    this.stopped = true;
    this.#unlisten?.();
    clearTimeout(this.#retry);
  }

  /** Sets up on the current session unless already there. */
  protected ensure(timeoutMs: number): Promise<void> {
    return this.#resume(timeoutMs);
  }

  protected resumeSoon(delayMs: number): void {
    if (this.stopped || this.link.closed) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#resume(Number.POSITIVE_INFINITY).catch((err: unknown) => {
        if (this.stopped || this.link.closed) return;
        if (this.expected(err)) log.debug('not set up again on RabbitMQ yet; retrying', { what: this.label, err });
        else log.warn('could not set up again on RabbitMQ; retrying', { what: this.label, err });
        this.resumeSoon(2_000);
      });
    }, delayMs);
  }

  #resume(timeoutMs: number): Promise<void> {
    const run = this.#chain.then(() => this.#attachToCurrent(timeoutMs));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #attachToCurrent(timeoutMs: number): Promise<void> {
    while (!this.stopped) {
      const session = await this.link.session(timeoutMs);
      if (this.attachment?.session === session && this.isLive(this.attachment)) return;
      try {
        this.attachment = await this.attach(session);
        return;
      } catch (err) {
        // The connection dropped meanwhile: set up on the next one. Anything else is a real failure.
        if (session.alive && !this.link.closed) throw err;
      }
    }
  }
}
