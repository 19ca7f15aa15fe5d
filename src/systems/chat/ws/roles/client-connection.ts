import type { WebSocket } from 'ws';
import type { ChatUser } from '../domain/client-frames.ts';
import { CLOSE } from '../domain/close-codes.ts';
import { SendBuffer, type SendBufferLimits } from '../domain/send-buffer.ts';
import { TokenBucket } from '../domain/token-bucket.ts';

export interface ConnectionSettings {
  sendBuffer: SendBufferLimits;
  /** Bytes the socket may hold unwritten before the connection stops handing it more (ws's bufferedAmount). */
  socketHighWaterBytes: number;
  /** A connection that has sent nothing, not even a pong, for this long is cut (the hub's sweep checks lastSeen). */
  pongWaitMs: number;
  rate: { perSecond: number; burst: number };
  /** Refused frames allowed before the connection is closed with 4429. */
  abuse: { perSecond: number; burst: number };
}

/** Characters in one joined WebSocket frame at most. */
const BATCH_MAX_CHARS = 65_536;

const NO_ROOMS: ReadonlySet<string> = new Set();

interface Held {
  holds: number;
  frames: Array<{ frame: string; messageId?: string }>;
}

/**
 * One client's WebSocket: who it speaks as, its rooms, its rate limit, and what it still has to be sent.
 * Outgoing frames wait in a bounded SendBuffer and go to the socket, joined by "\n", while the socket keeps up;
 * a client that does not read lets the buffer fill, and on overflow it is closed with 1013 (onSlow) instead of
 * holding more memory. Live frames of a room whose history is being read wait until that history is sent.
 *
 * An instance holds thousands of these, mostly idle: what only some connections need (room sets, held frames,
 * the abuse bucket) is made on first use, and nothing per connection is a timer or a closure.
 */
export class ClientConnection {
  user: ChatUser;
  readonly limiter: TokenBucket;
  /** When it last showed it is there (Date.now()): a pong or a frame. */
  lastSeen = Date.now();
  /** Closes it when its token expires; set by the hub for a token that expires. */
  expiry: NodeJS.Timeout | undefined;
  #rooms: Set<string> | undefined;
  #tracking: Set<string> | undefined;
  #abuse: TokenBucket | undefined;
  readonly #buffer: SendBuffer;
  #held: Map<string, Held> | undefined;
  #flushing = false;
  #closed = false;

  constructor(
    readonly ws: WebSocket,
    user: ChatUser,
    private readonly settings: ConnectionSettings,
    private readonly onSlow: (connection: ClientConnection) => void,
  ) {
    this.user = user;
    this.limiter = new TokenBucket(settings.rate.perSecond, settings.rate.burst);
    this.#buffer = new SendBuffer(settings.sendBuffer);
  }

  /** Rooms it subscribed to: it gets their messages, typing, receipts and edits. */
  get rooms(): ReadonlySet<string> {
    return this.#rooms ?? NO_ROOMS;
  }

  /** Rooms it tracks presence in: it gets their user_joined and user_left. */
  get tracking(): ReadonlySet<string> {
    return this.#tracking ?? NO_ROOMS;
  }

  /** Adds or removes a room of `rooms` (subscribe) or `tracking` (track); LocalMembers keeps the reverse index. */
  setRoom(how: 'subscribe' | 'track', room: string, member: boolean): void {
    if (!member) {
      (how === 'subscribe' ? this.#rooms : this.#tracking)?.delete(room);
      return;
    }
    if (how === 'subscribe') (this.#rooms ??= new Set()).add(room);
    else (this.#tracking ??= new Set()).add(room);
  }

  /** Refused frames it may still send before it is closed with 4429. */
  get abuse(): TokenBucket {
    return (this.#abuse ??= new TokenBucket(this.settings.abuse.perSecond, this.settings.abuse.burst));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Frames waiting to go to the socket. */
  get queued(): number {
    return this.#buffer.length;
  }

  /** The client has shown it is there (a pong or a frame): its pong wait starts again. */
  alive(now = Date.now()): void {
    this.lastSeen = now;
  }

  /** Queues a frame; `room` and `messageId` let a room's history be sent first (hold/release). */
  send(frame: string, room?: string, messageId?: string): void {
    if (this.#closed) return;
    const held = room === undefined ? undefined : this.#held?.get(room);
    if (held) {
      if (held.frames.length >= this.settings.sendBuffer.maxMessages) return this.#overflow();
      held.frames.push({ frame, messageId });
      return;
    }
    this.#queue(frame);
  }

  /** Until the matching release, live frames of `room` wait. */
  hold(room: string): void {
    const held = this.#held?.get(room);
    if (held) held.holds++;
    else (this.#held ??= new Map()).set(room, { holds: 1, frames: [] });
  }

  /**
   * Sends `history` (frames already encoded) at once, then the live frames of `room` that waited, but for the
   * messages the history already held (`sentIds`).
   */
  release(room: string, history: string[], sentIds: ReadonlySet<string>): void {
    if (this.#closed) return;
    for (const chunk of joined(history)) this.#queue(chunk);
    const held = this.#held?.get(room);
    if (!held || --held.holds > 0) return;
    this.#held!.delete(room);
    for (const { frame, messageId } of held.frames) if (messageId === undefined || !sentIds.has(messageId)) this.#queue(frame);
  }

  /** Closes with `code`; what is queued goes first, unless `drop` (a slow consumer's queue is what overflowed). */
  close(code: number, reason: string, drop = false): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!drop && this.ws.readyState === this.ws.OPEN) {
      for (let batch = this.#buffer.takeBatch(BATCH_MAX_CHARS); batch !== undefined; batch = this.#buffer.takeBatch(BATCH_MAX_CHARS)) this.ws.send(batch);
    }
    this.#buffer.clear();
    this.#held = undefined;
    this.ws.close(code, reason);
  }

  /** After the socket closed, whoever closed it. */
  dispose(): void {
    this.#closed = true;
    clearTimeout(this.expiry);
    this.#buffer.clear();
    this.#held = undefined;
  }

  #queue(frame: string): void {
    if (!this.#buffer.push(frame)) return this.#overflow();
    // Frames of one turn of the event loop leave together; but a turn can bring hundreds (libuv reads up to
    // 2 MB from a socket at once), so past a quarter of the buffer they go now, for as long as the socket takes them.
    const { maxMessages, maxChars } = this.settings.sendBuffer;
    if (this.#buffer.length * 4 >= maxMessages || this.#buffer.chars * 4 >= maxChars) return this.#flush();
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(ClientConnection.#flushOf, this);
    }
  }

  // One function for every connection, given the connection, rather than a bound closure held by each.
  static readonly #flushOf = (connection: ClientConnection): void => connection.#flush();

  #flush(): void {
    this.#flushing = false; // when called at once, a flush still scheduled may find nothing left: it ends there
    if (this.#closed || this.ws.readyState !== this.ws.OPEN) return;
    while (this.ws.bufferedAmount < this.settings.socketHighWaterBytes) {
      const batch = this.#buffer.takeBatch(BATCH_MAX_CHARS);
      if (batch === undefined) return;
      this.ws.send(batch, (err) => this.#written(err));
    }
    // The socket is full: the next write's callback (#written) tries again.
  }

  #written(err?: Error): void {
    if (err || this.#flushing || this.#buffer.length === 0) return;
    this.#flushing = true;
    setImmediate(ClientConnection.#flushOf, this);
  }

  #overflow(): void {
    if (this.#closed) return;
    this.onSlow(this);
    this.close(CLOSE.slowConsumer, 'slow consumer: the send buffer overflowed; reconnect and recover with since', true);
  }
}

/** Frames joined by "\n" into texts of at most BATCH_MAX_CHARS (a longer frame goes alone). */
function joined(frames: string[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const frame of frames) {
    if (current.length > 0 && size + 1 + frame.length > BATCH_MAX_CHARS) {
      chunks.push(current.join('\n'));
      current = [];
      size = 0;
    }
    size += (current.length > 0 ? 1 : 0) + frame.length;
    current.push(frame);
  }
  if (current.length > 0) chunks.push(current.join('\n'));
  return chunks;
}
