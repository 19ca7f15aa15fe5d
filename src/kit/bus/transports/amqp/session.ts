import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { createLogger } from '../../../observe/log.ts';
import { coalesceWrites } from './coalesce-writes.ts';
import { ConfirmOutlet, Outlet } from './outlet.ts';

const log = createLogger('bus.amqp');

/**
 * One live connection and the channels opened on it. A reconnect makes a new Session; everything tied to
 * the old one (channels, deliveries, declarations known to exist) is dropped with it.
 */
export class Session {
  #alive = true;
  readonly #declared = new Map<string, { at: number; done: Promise<void>; settled: boolean }>();
  readonly #confirm = new LazyChannel(() => this.openConfirmChannel().then((ch) => new ConfirmOutlet(ch)));
  readonly #plain = new LazyChannel(() => this.openChannel().then((ch) => new Outlet(ch)));

  constructor(readonly model: ChannelModel) {
    model.once('close', () => (this.#alive = false));
    coalesceWrites(model);
  }

  get alive(): boolean {
    return this.#alive;
  }

  end(): void {
    this.#alive = false;
  }

  async openChannel(): Promise<Channel> {
    return watch(await this.model.createChannel());
  }

  async openConfirmChannel(): Promise<ConfirmChannel> {
    return watch(await this.model.createConfirmChannel());
  }

  /** Shared by every durable send; replaced if it closes. */
  confirmOutlet(): Promise<ConfirmOutlet> {
    return this.#confirm.get();
  }

  /** The shared confirm channel if it is open right now: the fast path, without a promise. */
  readyConfirmOutlet(): ConfirmOutlet | undefined {
    return this.#confirm.ready();
  }

  /** Shared by topic publishes. */
  plainOutlet(): Promise<Outlet> {
    return this.#plain.get();
  }

  /**
   * Runs `work` on a channel of its own, closed afterwards: a failed declaration closes its channel,
   * and must not take anything else down with it.
   */
  async withChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.openChannel();
    try {
      return await work(channel);
    } finally {
      channel.close().catch(() => {});
    }
  }

  /**
   * Declares `name` once per connection (concurrent callers share the declaration), again after
   * `refreshMs`, or again after forget(). Returns undefined when it is already declared, so the hot
   * path of a send awaits nothing.
   */
  declareOnce(name: string, declare: (channel: Channel) => Promise<void>, refreshMs = Number.POSITIVE_INFINITY): Promise<void> | undefined {
    const known = this.#declared.get(name);
    if (known && Date.now() - known.at < refreshMs) return known.settled ? undefined : known.done;
    const done = this.withChannel(declare);
    const entry = { at: Date.now(), done, settled: false };
    this.#declared.set(name, entry);
    done.then(
      () => (entry.settled = true),
      () => this.#declared.get(name) === entry && this.#declared.delete(name),
    );
    return done;
  }

  /** True once `name` is declared on this connection and needs no declaring again before refreshMs. */
  declared(name: string, refreshMs = Number.POSITIVE_INFINITY): boolean {
    const known = this.#declared.get(name);
    return known !== undefined && known.settled && (refreshMs === Number.POSITIVE_INFINITY || Date.now() - known.at < refreshMs);
  }

  forget(name: string): void {
    this.#declared.delete(name);
  }
}

/** A channel opened on first use and reopened on the next use after it closes. */
class LazyChannel<T extends Outlet<Channel>> {
  #current: Promise<T> | undefined;
  #ready: T | undefined;

  constructor(private readonly open: () => Promise<T>) {}

  ready(): T | undefined {
    return this.#ready?.open ? this.#ready : undefined;
  }

  get(): Promise<T> {
    if (this.#ready && !this.#ready.open) this.#current = this.#ready = undefined;
    if (this.#current) return this.#current;
    const opening = this.open();
    this.#current = opening;
    opening.then(
      (outlet) => this.#current === opening && (this.#ready = outlet),
      () => this.#current === opening && (this.#current = undefined),
    );
    return opening;
  }
}

/** A channel closed by the broker emits 'error', which would crash the process if nobody listened. */
function watch<C extends Channel>(channel: C): C {
  channel.on('error', (err: Error) => log.debug('channel closed by the broker', { err }));
  return channel;
}
