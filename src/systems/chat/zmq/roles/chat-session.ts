import { randomUUID } from 'node:crypto';
import { ZmtpSubscriber } from '../../../../kit/zmtp/zmtp-subscriber.ts';
import { LamportClock } from '../../domain/lamport-clock.ts';
import { toWireTimestamp } from '../../domain/timestamp.ts';
import { type ChatMessage, MAX_TRANSPORT_BYTES } from '../wire/chat-message.ts';
import { type Publication, decodePublication } from '../wire/publication.ts';
import { LazyPirateClient } from './lazy-pirate-client.ts';

export interface ChatSessionOptions {
  /** The broker's ROUTER for clients, as tcp://127.0.0.1:5555. */
  broker: string;
  /** The proxy's XPUB for subscribers, as tcp://127.0.0.1:5558. */
  proxy: string;
  /** How long to wait for one reply before resending the same request (Lazy Pirate). */
  timeoutMs?: number;
  retries?: number;
}

/** The services a retry must not apply twice: each request carries an id the servers apply once. */
const WRITE_SERVICES = new Set(['login', 'channel', 'publish', 'message']);

/** The server refused the request (status "erro"); the message is its reason. */
export class ChatRequestError extends Error {
  constructor(
    readonly reason: string,
    readonly service: string,
  ) {
    super(reason);
  }
}

/** The request needs a user, and the session has not logged in. */
export class NotLoggedInError extends Error {
  constructor(service: string) {
    super(`log in before ${service === 'publish' ? 'publishing' : 'sending a message'}: login(user) first`);
  }
}

/**
 * One chat user's connection: requests go to the broker with the Lazy Pirate pattern, publications come
 * from the proxy's XPUB. Every request carries a timestamp and a ticked Lamport clock; every reply and
 * publication moves the clock up.
 */
export class ChatSession {
  readonly clock = new LamportClock();
  readonly #client: LazyPirateClient;
  readonly #subscriber: ZmtpSubscriber;
  /** The topics asked for: ZeroMQ matches prefixes, so "ana" would also let "anabel" through. */
  readonly #topics = new Set<string>();
  readonly #listeners = new Set<(publication: Publication) => void>();
  /** A message is published once it is on one server's disk; if that server dies before it answers, the retry publishes it again, with the same id. */
  readonly #seen = new RecentIds(4_096);
  #user: string | undefined;
  #everything = false;
  #closed = false;

  private constructor(options: ChatSessionOptions) {
    this.#client = new LazyPirateClient(options.broker, { timeoutMs: options.timeoutMs, retries: options.retries });
    try {
      this.#subscriber = new ZmtpSubscriber({ endpoint: options.proxy, maxMessageBytes: MAX_TRANSPORT_BYTES, onMessage: (frames) => this.#receive(frames) });
    } catch (err) {
      this.#client.close();
      throw err;
    }
  }

  static async open(options: ChatSessionOptions): Promise<ChatSession> {
    return new ChatSession(options);
  }

  /** The user of the last successful login, if any. */
  get user(): string | undefined {
    return this.#user;
  }

  /** Sends one request as is, with timestamp, clock and (for writes) an id added; resolves with the raw reply. */
  async call(service: string, data: Record<string, unknown> = {}): Promise<ChatMessage> {
    const request: Record<string, unknown> = { ...data, timestamp: toWireTimestamp(Date.now()), clock: this.clock.tick() };
    if (WRITE_SERVICES.has(service) && typeof request.id !== 'string') request.id = randomUUID();
    const reply = await this.#client.request({ service, data: request });
    this.clock.observe(reply.data.clock);
    return reply;
  }

  async login(user: string): Promise<Record<string, unknown>> {
    const data = await this.#write('login', { user });
    this.#user = user;
    return data;
  }

  async users(): Promise<string[]> {
    const reply = await this.#read('users');
    return names(reply.users);
  }

  async channels(): Promise<string[]> {
    const reply = await this.#read('channels');
    // The course text names this list "users" (a typo); servers that copied it are read as well.
    return names(reply.channels ?? reply.users);
  }

  createChannel(channel: string): Promise<Record<string, unknown>> {
    return this.#write('channel', { channel });
  }

  publish(channel: string, message: string): Promise<Record<string, unknown>> {
    if (this.#user === undefined) return Promise.reject(new NotLoggedInError('publish'));
    return this.#write('publish', { user: this.#user, channel, message });
  }

  message(dst: string, message: string): Promise<Record<string, unknown>> {
    if (this.#user === undefined) return Promise.reject(new NotLoggedInError('message'));
    return this.#write('message', { src: this.#user, dst, message });
  }

  /** Receives publications on exactly this topic (a channel, or a user name for direct messages). */
  subscribe(topic: string): void {
    if (topic === '') throw new RangeError('subscribe to a channel or a user name: an empty topic would match every publication');
    if (this.#topics.has(topic)) return;
    this.#topics.add(topic);
    this.#subscriber.subscribe(topic);
  }

  /**
   * Receives every publication the proxy carries, on any topic (every channel, every user's direct messages and
   * the servers' own): what a bridge to another front door needs. A repeated id is still dropped.
   */
  subscribeEverything(): void {
    if (this.#everything) return;
    this.#everything = true;
    this.#subscriber.subscribe('');
  }

  unsubscribe(topic: string): void {
    if (!this.#topics.delete(topic)) return;
    this.#subscriber.unsubscribe(topic);
  }

  /** The topics subscribed to, in the order they were added. */
  get topics(): string[] {
    return [...this.#topics];
  }

  /** Calls `listener` for each publication on a subscribed topic; returns the function that stops it. */
  onPublication(listener: (publication: Publication) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.close();
    this.#subscriber.close();
  }

  async #write(service: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
    return checked(service, await this.call(service, data));
  }

  async #read(service: string): Promise<Record<string, unknown>> {
    return checked(service, await this.call(service));
  }

  #receive(frames: Buffer[]): void {
    const publication = decodePublication(frames);
    if (!publication || !(this.#everything || this.#topics.has(publication.topic))) return;
    this.clock.observe(publication.payload.clock);
    if (this.#seen.repeated(publication.payload.id)) return;
    for (const listener of this.#listeners) {
      try {
        listener(publication);
      } catch {
        // one listener's failure must not stop the others
      }
    }
  }
}

/** The reply's data, or ChatRequestError with the server's reason when its status is "erro". */
export function checked(service: string, reply: ChatMessage): Record<string, unknown> {
  const data = reply.data;
  if (data.status === 'erro' || reply.service === 'erro') {
    const reason = [data.description, data.message, data.error].find((text) => typeof text === 'string' && text !== '');
    throw new ChatRequestError((reason as string | undefined) ?? `the server refused ${service} without saying why`, service);
  }
  return data;
}

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((name): name is string => typeof name === 'string') : [];
}

/** The last `capacity` ids seen, to drop a publication that comes twice. */
class RecentIds {
  readonly #ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  repeated(id: unknown): boolean {
    if (typeof id !== 'string') return false;
    if (this.#ids.has(id)) return true;
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) this.#ids.delete(this.#ids.values().next().value as string);
    return false;
  }
}
