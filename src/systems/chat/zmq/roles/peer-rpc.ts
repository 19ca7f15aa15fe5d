import type { Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZmtpConnection, listenTcp } from '../../../../kit/zmtp/zmtp-connection.ts';
import { ZmtpDialer } from '../../../../kit/zmtp/zmtp-dialer.ts';
import {
  type ChatMessage,
  DEFAULT_MAX_MESSAGE_BYTES,
  MAX_TRANSPORT_BYTES,
  WireError,
  decodeChatMessage,
  encodeChatMessage,
} from '../wire/chat-message.ts';

/** The request went out and no reply came back in time. */
export class PeerTimeoutError extends Error {}

/** The request never went out: no connection to the peer within the time allowed, or the client was closed. */
export class PeerUnavailableError extends Error {}

export type PeerHandler = (message: ChatMessage) => Promise<ChatMessage> | ChatMessage;

/** Replies may be larger than requests (a sync page); a reply above this is refused with a reason. */
export const MAX_REPLY_BYTES = 1024 * 1024;
/** How often a request waiting for the connection tries to go out. */
const CONNECT_POLL_MS = 10;
/** Requests a PeerEndpoint handles at once; it reads no more until one finishes. */
const MAX_IN_FLIGHT = 256;

const EMPTY_FRAME = Buffer.alloc(0);

interface PendingRequest {
  resolve(reply: ChatMessage): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  sent: boolean;
}

/**
 * Requests to one peer (another server's PeerEndpoint, or the reference's REP) over a DEALER, any number at
 * once: each carries `data.rid`, which the peer echoes, and the reply is matched by it (and returned without it).
 * Requests go out only on a finished connection (libzmq's `immediate`), so nothing piles up for a dead peer and
 * nothing stale is delivered when it comes back: a request that cannot go out before its deadline fails.
 *
 * The DEALER speaks ZMTP itself over node:net (src/kit/zmtp): a zeromq.js socket hands every message to
 * libzmq's I/O thread and back, which cost 3× the CPU per round trip on a 2-core machine.
 */
export class PeerClient {
  readonly #pending = new Map<string, PendingRequest>();
  readonly #maxBytes: number;
  readonly #dialer: ZmtpDialer;
  #lastRid = 0;
  #closed = false;

  constructor(
    readonly endpoint: string,
    maxBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    this.#maxBytes = maxBytes;
    this.#dialer = new ZmtpDialer(endpoint, { socketType: 'DEALER', maxMessageBytes: MAX_TRANSPORT_BYTES, onMessage: (frames) => this.#onReply(frames) });
  }

  request(message: ChatMessage, timeoutMs: number): Promise<ChatMessage> {
    if (this.#closed) return Promise.reject(new PeerUnavailableError(`the client for ${this.endpoint} is closed`));
    const rid = String(++this.#lastRid);
    // The empty frame makes this look like REQ to the other side, so a REP socket answers it too.
    const frames = [EMPTY_FRAME, encodeChatMessage({ service: message.service, data: { ...message.data, rid } })];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const pending = this.#pending.get(rid);
        this.#pending.delete(rid);
        reject(
          pending?.sent
            ? new PeerTimeoutError(`${this.endpoint} did not answer "${message.service}" within ${timeoutMs} ms`)
            : new PeerUnavailableError(`no connection to ${this.endpoint} within ${timeoutMs} ms: is that peer running?`),
        );
      }, timeoutMs);
      this.#pending.set(rid, { resolve, reject, timer, sent: false });
      void this.#send(rid, frames);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dialer.close();
    for (const [rid, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(rid);
      pending.reject(new PeerUnavailableError(`the client for ${this.endpoint} was closed before it answered`));
    }
  }

  /** Only on a finished connection, so nothing piles up for a dead peer; retried until the deadline clears the request. */
  async #send(rid: string, frames: Buffer[]): Promise<void> {
    for (let pending = this.#pending.get(rid); pending; pending = this.#pending.get(rid)) {
      if (this.#dialer.open && this.#dialer.connection.send(frames)) {
        pending.sent = true;
        return;
      }
      await sleep(CONNECT_POLL_MS);
    }
  }

  #onReply(frames: Buffer[]): void {
    const body = frames[frames.length - 1];
    if (!body) return;
    let reply: ChatMessage;
    try {
      reply = decodeChatMessage(body, Math.max(this.#maxBytes, MAX_REPLY_BYTES));
    } catch {
      return; // not a reply to anything of ours
    }
    const { rid, ...data } = reply.data;
    if (typeof rid === 'string') this.#settle(rid, { service: reply.service, data });
  }

  #settle(rid: string, outcome: ChatMessage): void {
    const pending = this.#pending.get(rid);
    if (!pending) return; // timed out already: a late reply
    this.#pending.delete(rid);
    clearTimeout(pending.timer);
    pending.resolve(outcome);
  }
}

/**
 * A ROUTER that answers REQ and DEALER peers alike: it hands each request to `handle` (several at once) and
 * sends the reply back along the request's envelope, echoing `data.rid`. Input it cannot read, and handlers
 * that throw, get `{status: 'erro', description}` instead of a reply.
 */
export class PeerEndpoint {
  readonly #server: Server;
  readonly #handle: PeerHandler;
  readonly #maxBytes: number;
  readonly #connections = new Set<ZmtpConnection>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly endpoint: string;

  static async bind(address: string, handle: PeerHandler, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Promise<PeerEndpoint> {
    const { server, endpoint } = await listenTcp(address);
    return new PeerEndpoint(server, handle, maxBytes, endpoint);
  }

  private constructor(server: Server, handle: PeerHandler, maxBytes: number, endpoint: string) {
    this.#server = server;
    this.#handle = handle;
    this.#maxBytes = maxBytes;
    this.endpoint = endpoint;
    server.on('connection', (socket) => {
      const connection = new ZmtpConnection(socket, {
        socketType: 'ROUTER',
        maxMessageBytes: MAX_TRANSPORT_BYTES,
        onMessage: (frames) => this.#take(connection, frames),
        onClose: () => this.#connections.delete(connection),
      });
      this.#connections.add(connection);
      if (this.#inFlight.size >= MAX_IN_FLIGHT) connection.pause();
    });
  }

  /** Resolves once the handlers under way have finished and the port can be bound again. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const connection of this.#connections) connection.close();
    await closed;
    await Promise.allSettled(this.#inFlight);
  }

  #take(connection: ZmtpConnection, frames: Buffer[]): void {
    const task = this.#answer(connection, frames);
    this.#inFlight.add(task);
    if (this.#inFlight.size === MAX_IN_FLIGHT) for (const each of this.#connections) each.pause();
    void task.finally(() => {
      this.#inFlight.delete(task);
      if (this.#inFlight.size === MAX_IN_FLIGHT - 1) for (const each of this.#connections) each.resume();
    });
  }

  /** Frames are [(empty delimiter), body]: everything before the body goes back as it came. */
  async #answer(connection: ZmtpConnection, frames: Buffer[]): Promise<void> {
    const envelope = frames.slice(0, -1);
    const body = frames[frames.length - 1];
    if (!body) return;
    const reply = await this.#reply(body);
    let encoded: Buffer;
    try {
      encoded = encodeChatMessage(reply);
    } catch (err) {
      encoded = encodeChatMessage(failure(reply.service, `the reply could not be encoded: ${(err as Error).message}`, reply.data?.rid));
    }
    connection.send([...envelope, encoded]); // false when the peer has gone: it will time out
  }

  async #reply(body: Buffer): Promise<ChatMessage> {
    let request: ChatMessage;
    try {
      request = decodeChatMessage(body, this.#maxBytes);
    } catch (err) {
      return failure('erro', err instanceof WireError ? err.message : String(err));
    }
    const { rid } = request.data;
    try {
      const reply = await this.#handle(request);
      return { service: reply.service, data: rid === undefined ? reply.data : { ...reply.data, rid } };
    } catch (err) {
      return failure(request.service, (err as Error).message, rid);
    }
  }
}

function failure(service: string, description: string, rid?: unknown): ChatMessage {
  return { service, data: { status: 'erro', description, rid } };
}
