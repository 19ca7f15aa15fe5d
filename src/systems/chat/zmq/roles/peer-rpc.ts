import { setTimeout as sleep } from 'node:timers/promises';
import { Dealer, Router } from 'zeromq';
import { untilPortsFree } from './broker.ts';
import { type ChatMessage, DEFAULT_MAX_MESSAGE_BYTES, WireError, decodeChatMessage, encodeChatMessage } from '../wire/chat-message.ts';

/** The request went out and no reply came back in time. */
export class PeerTimeoutError extends Error {}

/** The request never went out: no connection to the peer within the time allowed, or the client was closed. */
export class PeerUnavailableError extends Error {}

export type PeerHandler = (message: ChatMessage) => Promise<ChatMessage> | ChatMessage;

/** Replies may be larger than requests (a sync page); a reply above this is refused with a reason. */
export const MAX_REPLY_BYTES = 1024 * 1024;
/** Messages queued per connection each way; a peer this far behind is as good as down. */
const PEER_HIGH_WATER_MARK = 1_000;
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
 * `immediate` queues only on a finished connection, so nothing piles up for a dead peer and nothing stale is
 * delivered when it comes back: a request that cannot go out before its deadline fails.
 */
export class PeerClient {
  readonly #dealer: Dealer;
  readonly #pending = new Map<string, PendingRequest>();
  readonly #maxBytes: number;
  #lastRid = 0;
  #closed = false;

  constructor(
    readonly endpoint: string,
    maxBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    this.#maxBytes = maxBytes;
    this.#dealer = new Dealer({
      linger: 0,
      immediate: true,
      sendTimeout: 0,
      sendHighWaterMark: PEER_HIGH_WATER_MARK,
      receiveHighWaterMark: PEER_HIGH_WATER_MARK,
    });
    this.#dealer.connect(endpoint);
    void this.#readReplies();
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
    this.#dealer.close();
    for (const [rid, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(rid);
      pending.reject(new PeerUnavailableError(`the client for ${this.endpoint} was closed before it answered`));
    }
  }

  /** With sendTimeout 0 a send fails at once (EAGAIN) while there is no connection; retried until the deadline clears the request. */
  async #send(rid: string, frames: Buffer[]): Promise<void> {
    for (let pending = this.#pending.get(rid); pending; pending = this.#pending.get(rid)) {
      try {
        await this.#dealer.send(frames);
        pending.sent = true;
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EAGAIN' || this.#closed) {
          this.#settle(rid, new PeerUnavailableError(`cannot send to ${this.endpoint}: ${(err as Error).message}`));
          return;
        }
      }
      await sleep(CONNECT_POLL_MS);
    }
  }

  async #readReplies(): Promise<void> {
    try {
      for await (const frames of this.#dealer) {
        const body = frames[frames.length - 1];
        if (!body) continue;
        let reply: ChatMessage;
        try {
          reply = decodeChatMessage(body, Math.max(this.#maxBytes, MAX_REPLY_BYTES));
        } catch {
          continue; // not a reply to anything of ours
        }
        const { rid, ...data } = reply.data;
        if (typeof rid === 'string') this.#settle(rid, { service: reply.service, data });
      }
    } catch {
      // the socket was closed under the loop
    }
  }

  #settle(rid: string, outcome: ChatMessage | Error): void {
    const pending = this.#pending.get(rid);
    if (!pending) return; // timed out already: a late reply
    this.#pending.delete(rid);
    clearTimeout(pending.timer);
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }
}

/**
 * A ROUTER that answers REQ and DEALER peers alike: it hands each request to `handle` (several at once) and
 * sends the reply back along the request's envelope, echoing `data.rid`. Input it cannot read, and handlers
 * that throw, get `{status: 'erro', description}` instead of a reply.
 */
export class PeerEndpoint {
  readonly #router: Router;
  readonly #handle: PeerHandler;
  readonly #maxBytes: number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #served: Promise<void>;
  readonly endpoint: string;

  static async bind(address: string, handle: PeerHandler, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Promise<PeerEndpoint> {
    const router = new Router({ linger: 0, sendHighWaterMark: PEER_HIGH_WATER_MARK * 10, receiveHighWaterMark: PEER_HIGH_WATER_MARK * 10 });
    try {
      await router.bind(address);
    } catch (err) {
      router.close();
      throw err;
    }
    return new PeerEndpoint(router, handle, maxBytes, router.lastEndpoint ?? address);
  }

  private constructor(router: Router, handle: PeerHandler, maxBytes: number, endpoint: string) {
    this.#router = router;
    this.#handle = handle;
    this.#maxBytes = maxBytes;
    this.endpoint = endpoint;
    this.#served = this.#serve();
  }

  /** Resolves once the handlers under way have finished and the port can be bound again. */
  async close(): Promise<void> {
    this.#router.close();
    await this.#served;
    await Promise.allSettled(this.#inFlight);
    await untilPortsFree([this.endpoint]);
  }

  async #serve(): Promise<void> {
    try {
      for await (const frames of this.#router) {
        const task = this.#answer(frames);
        this.#inFlight.add(task);
        void task.finally(() => this.#inFlight.delete(task));
        if (this.#inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.#inFlight);
      }
    } catch {
      // the socket was closed under the loop
    }
  }

  /** Frames are [peer id, (empty delimiter), body]: everything before the body goes back as it came. */
  async #answer(frames: Buffer[]): Promise<void> {
    const envelope = frames.slice(0, -1);
    const body = frames[frames.length - 1];
    if (envelope.length === 0 || !body) return;
    const reply = await this.#reply(body);
    let encoded: Buffer;
    try {
      encoded = encodeChatMessage(reply);
    } catch (err) {
      encoded = encodeChatMessage(failure(reply.service, `the reply could not be encoded: ${(err as Error).message}`, reply.data?.rid));
    }
    try {
      await this.#router.send([...envelope, encoded]);
    } catch {
      // closed meanwhile: the peer will time out
    }
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
