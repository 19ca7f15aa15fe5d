import { type ChannelModel, type RecoveringChannelModel, connect } from 'amqplib';
import { BusClosedError } from '../../errors.ts';
import { createLogger } from '../../../observe/log.ts';
import { Session } from './session.ts';
import { TOPIC_EXCHANGE } from './topology.ts';

const log = createLogger('bus.amqp');

/** How long close() waits for the broker's close-ok before it drops the socket. */
const CLOSE_TIMEOUT_MS = 2_000;
/** Seconds between heartbeats unless the URL sets ?heartbeat=. */
const DEFAULT_HEARTBEAT_S = 10;

interface Waiter {
  resolve(session: Session): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
}

/**
 * The transport's connection, kept up by amqplib's recovery: after a drop it reconnects with back-off
 * (50 ms doubling to 5 s, with jitter, for ever) and hands every listener the new Session, so each
 * re-creates what it had on the old one. Only the very first connection fails fast.
 */
export class AmqpLink {
  readonly #recovering: RecoveringChannelModel;
  readonly #host: string;
  readonly #listeners = new Set<(session: Session) => void>();
  readonly #waiters = new Set<Waiter>();
  #session: Session | undefined;
  #closed = false;

  private constructor(recovering: RecoveringChannelModel, host: string) {
    this.#recovering = recovering;
    this.#host = host;
    recovering.on('connect', (model: ChannelModel) => this.#connected(model));
    recovering.on('disconnect', (err: Error) => this.#disconnected(err));
    recovering.on('error', (err: Error) => log.debug('amqp connection error', { host, err }));
    recovering.on('blocked', (reason: string) => log.warn('RabbitMQ blocks publishing (a resource alarm)', { host, reason }));
    recovering.on('unblocked', () => log.info('RabbitMQ accepts publishing again', { host }));
  }

  static async open(url: URL): Promise<AmqpLink> {
    const target = new URL(url.href);
    // A broker that vanishes without closing the socket is noticed within two heartbeats, not two minutes.
    if (!target.searchParams.has('heartbeat')) target.searchParams.set('heartbeat', String(DEFAULT_HEARTBEAT_S));
    const recovering = await connect(target.href, {
      clientProperties: { connection_name: `mensageiro pid ${process.pid}` },
      // Small frames (acks, confirms, requests) must not wait for Nagle's algorithm.
      noDelay: true,
      recovery: {
        initialDelay: 50,
        maxDelay: 5_000,
        initialMaxRetries: 2,
        waitForConnect: false,
        setup: async (model: ChannelModel) => {
          const channel = await model.createChannel();
          channel.on('error', () => {});
          await channel.assertExchange(TOPIC_EXCHANGE, 'topic', { durable: true });
          await channel.close();
        },
      },
    });
    const link = new AmqpLink(recovering, url.host);
    try {
      await recovering.waitForConnect();
    } catch (err) {
      await link.close();
      throw new Error(`cannot reach RabbitMQ at ${url.host}: ${(err as Error).message}`, { cause: err });
    }
    return link;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The live session, or undefined while reconnecting. */
  get current(): Session | undefined {
    return this.#session?.alive ? this.#session : undefined;
  }

  /** The live session, waiting up to `timeoutMs` for a reconnect. */
  session(timeoutMs = Number.POSITIVE_INFINITY): Promise<Session> {
    if (this.#closed) return Promise.reject(new BusClosedError());
    const current = this.current;
    if (current) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`RabbitMQ at ${this.#host} has been unreachable for ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.#waiters.add(waiter);
    });
  }

  /** Called with every session from the next one on; returns a function that stops it. */
  onSession(listener: (session: Session) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#session?.end();
    const model = this.#session?.model;
    this.#session = undefined;
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new BusClosedError());
    }
    this.#waiters.clear();
    this.#listeners.clear();
    let timer: NodeJS.Timeout | undefined;
    const closing = this.#recovering.close().catch(() => {});
    const late = await Promise.race([closing.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS, true)))]);
    clearTimeout(timer);
    // The broker did not answer in time: drop the socket; it requeues our unacked deliveries all the same.
    if (late) (model?.connection as { stream?: { destroy(): void } } | undefined)?.stream?.destroy();
  }

  #connected(model: ChannelModel): void {
    if (this.#closed) return;
    const reconnect = this.#session !== undefined;
    const session = new Session(model);
    this.#session = session;
    if (reconnect) log.info('RabbitMQ connection restored', { host: this.#host });
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(session);
    }
    this.#waiters.clear();
    for (const listener of this.#listeners) listener(session);
  }

  #disconnected(err: Error): void {
    this.#session?.end();
    if (!this.#closed) log.warn('RabbitMQ connection lost; reconnecting', { host: this.#host, err });
  }
}
