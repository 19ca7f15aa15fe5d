import { randomBytes } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import type { Bus } from '../../../../kit/bus/bus.ts';
import { type Logger, createLogger } from '../../../../kit/observe/log.ts';
import { RecentCount } from '../../../../kit/observe/recent-count.ts';
import { type ChatUser, type ClientFrame, parseClientFrame } from '../domain/client-frames.ts';
import { CLOSE } from '../domain/close-codes.ts';
import * as limits from '../domain/limits.ts';
import { type LoggedEntry, type RoomMessage, newMessageId } from '../domain/room-message.ts';
import { type ServerFrame, editedFrame, encodeFrame, errorFrame, historyFrame, roomMetadata } from '../domain/server-frames.ts';
import type { MessageHistory, MessageLog } from '../store/message-log.ts';
import { closesOf, framesOf, refusedOf, trackConnections } from './chat-ws-metrics.ts';
import { ClientConnection, type ConnectionSettings } from './client-connection.ts';
import { DEFAULT_CHANNEL, type Delivery, InstanceFanout } from './instance-fanout.ts';
import { LocalMembers } from './local-members.ts';
import { acceptRoomMessage } from './room-acceptance.ts';
import type { Presence } from './presence.ts';

export interface ChatHubOptions {
  instanceId: string;
  bus: Bus;
  /** The Bus topic every instance shares (default gosocket:broadcast, the reference's Redis channel). */
  channel?: string;
  messageLog: MessageLog;
  history: MessageHistory;
  presence: Presence;
  /** Clients name themselves with a `user` object; otherwise each connection's user comes from its token. */
  anonymous: boolean;
  connection?: Partial<ConnectionSettings>;
  pingIntervalMs?: number;
  log?: Logger;
}

export const DEFAULT_CONNECTION_SETTINGS: ConnectionSettings = {
  sendBuffer: { maxMessages: limits.SEND_BUFFER_MESSAGES, maxChars: limits.SEND_BUFFER_CHARS },
  socketHighWaterBytes: limits.SOCKET_HIGH_WATER_BYTES,
  pongWaitMs: limits.PONG_WAIT_MS,
  rate: { perSecond: limits.RATE_PER_SECOND, burst: limits.RATE_BURST },
  abuse: { perSecond: limits.ABUSE_PER_SECOND, burst: limits.ABUSE_BURST },
};

export interface HubStats {
  instance: string;
  connections: number;
  rooms: number;
  slowConsumerCloses: number;
  messagesLastMinute: number;
}

/** Longest timer Node keeps (about 24.8 days); a token that lives longer is not timed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The chat on one instance: it takes WebSocket connections, answers the reference's frames, and fans room
 * traffic out to its own clients and, through the Bus, to every other instance's. A room message is accepted
 * once the message log holds it; only then does anyone (its sender included) see it.
 */
export class ChatHub {
  readonly instanceId: string;
  readonly anonymous: boolean;
  readonly #options: ChatHubOptions;
  readonly #settings: ConnectionSettings;
  readonly #members = new LocalMembers();
  readonly #log: Logger;
  readonly #ping: NodeJS.Timeout;
  readonly #sweep: NodeJS.Timeout;
  /** Each socket's connection, for the listeners below: one set of functions serves every socket. */
  readonly #bySocket = new WeakMap<WebSocket, ClientConnection>();
  readonly #untrack: () => void;
  #fanout!: InstanceFanout;
  #slowConsumerCloses = 0;
  readonly #accepted = new RecentCount();
  #closing = false;

  private constructor(options: ChatHubOptions) {
    this.#options = options;
    this.instanceId = options.instanceId;
    this.anonymous = options.anonymous;
    this.#settings = { ...DEFAULT_CONNECTION_SETTINGS, ...options.connection };
    this.#log = options.log ?? createLogger(`chat-ws:${options.instanceId}`);
    this.#ping = setInterval(() => this.#pingAll(), options.pingIntervalMs ?? limits.PING_INTERVAL_MS);
    this.#ping.unref();
    // One timer walks every connection, rather than a timer each: a connection is cut between one pong wait and
    // a tenth more after it last showed itself.
    const pongWaitMs = this.#settings.pongWaitMs;
    this.#sweep = setInterval(() => this.#cutSilent(pongWaitMs), Math.max(10, Math.floor(pongWaitMs / 10)));
    this.#sweep.unref();
    this.#untrack = trackConnections(() => this.#members.connections.size);
  }

  static async start(options: ChatHubOptions): Promise<ChatHub> {
    const hub = new ChatHub(options);
    try {
      hub.#fanout = await InstanceFanout.start({
        bus: options.bus,
        channel: options.channel ?? DEFAULT_CHANNEL,
        instanceId: options.instanceId,
        deliver: (delivery) => hub.#deliver(delivery),
        log: hub.#log,
      });
    } catch (err) {
      clearInterval(hub.#ping);
      clearInterval(hub.#sweep);
      hub.#untrack();
      throw err;
    }
    return hub;
  }

  get connectionCount(): number {
    return this.#members.connections.size;
  }

  stats(): HubStats {
    const { connections, roomCount } = this.#members;
    return { instance: this.instanceId, connections: connections.size, rooms: roomCount, slowConsumerCloses: this.#slowConsumerCloses, messagesLastMinute: this.#accepted.total() };
  }

  /**
   * Takes an upgraded socket. `user` is who its token names; undefined in anonymous mode, where the connection
   * is a guest until its first `user` object. `expiresAt` (ms) closes it with 4401 when its token expires.
   */
  accept(ws: WebSocket, user: ChatUser | undefined, expiresAt?: number): ClientConnection {
    const guest = `guest-${randomBytes(4).toString('hex')}`;
    const connection = new ClientConnection(ws, user ?? { id: guest, username: guest }, this.#settings, this.#onSlow);
    this.#bySocket.set(ws, connection);
    if (this.#members.add(connection)) void this.#presenceCall('connect', () => this.#options.presence.connect(connection.user));
    if (expiresAt !== undefined && expiresAt - Date.now() <= MAX_TIMER_MS) {
      connection.expiry = setTimeout(() => this.#close(connection, CLOSE.unauthorized, 'token expired'), Math.max(0, expiresAt - Date.now()));
    }
    ws.on('message', this.#onMessage);
    ws.on('pong', this.#onPong);
    ws.on('error', this.#onError);
    ws.on('close', this.#onClose); // ws emits close once
    this.#send(connection, { type: 'welcome', instance: this.instanceId, user: connection.user, anonymous: this.anonymous });
    return connection;
  }

  /** Closes every connection with 1001 and takes this instance's presence away. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#ping);
    clearInterval(this.#sweep);
    this.#untrack();
    // Other instances' clients learn who left with this one.
    const left = new Map<string, { room: string; user: ChatUser }>();
    for (const connection of this.#members.connections) {
      for (const room of [...connection.rooms, ...connection.tracking]) left.set(`${room}\0${connection.user.id}`, { room, user: connection.user });
      connection.close(CLOSE.goingAway, 'server shutting down');
    }
    for (const { room, user } of left.values()) this.#fanout.publish({ room, trackers: true, frame: encodeFrame({ type: 'user_left', room, user }) });
    await this.#fanout.close();
    await this.#options.presence.close().catch((err: unknown) => this.#log.warn('presence could not be cleared; it expires instead', { err }));
  }

  // The socket's listeners, shared by every socket (ws calls them with the socket as `this`).
  readonly #onMessage = ((hub: ChatHub) =>
    function (this: WebSocket, data: RawData, isBinary: boolean) {
      const connection = hub.#bySocket.get(this);
      if (connection) hub.#receive(connection, data, isBinary);
    })(this);

  readonly #onPong = ((hub: ChatHub) =>
    function (this: WebSocket) {
      hub.#bySocket.get(this)?.alive();
    })(this);

  readonly #onError = ((hub: ChatHub) =>
    function (this: WebSocket, err: Error) {
      hub.#log.debug('a connection failed', { user: hub.#bySocket.get(this)?.user.id, err });
    })(this);

  readonly #onClose = ((hub: ChatHub) =>
    function (this: WebSocket) {
      const connection = hub.#bySocket.get(this);
      if (!connection) return;
      hub.#bySocket.delete(this);
      hub.#gone(connection);
    })(this);

  #receive(connection: ClientConnection, data: RawData, isBinary: boolean): void {
    connection.alive();
    if (connection.closed) return;
    if (!connection.limiter.take()) return this.#overRate(connection);
    if (isBinary) {
      framesOf('invalid').inc();
      return this.#refuse(connection, 'binary_frame', 'send JSON in text frames, not binary ones');
    }
    const parsed = parseClientFrame(textOf(data));
    if (!parsed.ok) {
      framesOf(parsed.problem.type ?? 'invalid').inc();
      return this.#refuse(connection, parsed.problem.code, parsed.problem.error, parsed.problem.type);
    }
    const { frame } = parsed;
    framesOf(frame.type).inc();
    if (frame.user && this.anonymous) this.#identify(connection, frame.user);
    this.#handle(connection, frame).catch((err: unknown) => {
      this.#log.error('a frame failed', { type: frame.type, user: connection.user.id, err });
      this.#refuse(connection, 'internal', 'the server failed on this frame; its log has the details', frame.type);
    });
  }

  async #handle(connection: ClientConnection, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'subscribe':
        return this.#subscribe(connection, frame);
      case 'unsubscribe':
        if (connection.rooms.has(frame.room)) await this.#exit(connection, frame.room, 'subscribe');
        return;
      case 'presence':
        if (!connection.tracking.has(frame.room)) await this.#enter(connection, frame.room, 'track');
        return this.#send(connection, { type: 'presence_list', room: frame.room, presenceList: await this.#options.presence.list(frame.room) });
      case 'publish':
        return this.#publish(connection, frame.room, frame.payload);
      case 'typing':
        if (!this.#subscribed(connection, frame)) return;
        return this.#fanout.publish({ room: frame.room, except: connection.user.id, frame: encodeFrame({ type: 'typing', room: frame.room, user: connection.user, isTyping: frame.isTyping }) });
      case 'read_receipt':
        if (!this.#subscribed(connection, frame)) return;
        return this.#fanout.publish({ room: frame.room, frame: encodeFrame({ type: 'read_receipt', room: frame.room, messageId: frame.messageId, user: connection.user }) });
      case 'direct_msg':
        return this.#direct(connection, frame.toUserId, frame.payload);
      case 'edit_message':
        return this.#edit(connection, frame.room, frame.messageId, frame.payload);
    }
  }

  async #subscribe(connection: ClientConnection, frame: Extract<ClientFrame, { type: 'subscribe' }>): Promise<void> {
    const { room } = frame;
    const fresh = !connection.rooms.has(room);
    if (fresh && connection.rooms.size >= limits.MAX_ROOMS_PER_CONNECTION) {
      return this.#refuse(connection, 'too_many_rooms', `a connection subscribes to at most ${limits.MAX_ROOMS_PER_CONNECTION} rooms: unsubscribe from one first`, frame.type);
    }
    const wantsHistory = frame.history || frame.since !== undefined;
    // Held from before it joins, so that no live message falls between the history and the live stream.
    if (wantsHistory) connection.hold(room);
    const entered = fresh ? this.#enter(connection, room, 'subscribe') : Promise.resolve();
    if (wantsHistory) {
      try {
        const { frames, ids } = await this.#historyFor(room, frame.limit, frame.since);
        connection.release(room, frames, ids);
      } catch (err) {
        connection.release(room, [], new Set());
        this.#log.warn('history could not be read', { room, err });
        this.#refuse(connection, 'unavailable', `the history of "${room}" could not be read now; you are subscribed, ask again for it later`, frame.type);
      }
    }
    await entered;
  }

  /** The frames a subscribe gets: what the client missed since `since`, or a reset and the newest `limit`. */
  async #historyFor(room: string, limit: number, since: string | undefined): Promise<{ frames: string[]; ids: Set<string> }> {
    const frames: string[] = [];
    let messages: RoomMessage[] | undefined;
    if (since !== undefined) {
      const missed = await this.#options.history.after(room, since, limits.RECOVERY_LIMIT + 1);
      if (missed !== undefined && missed.length <= limits.RECOVERY_LIMIT) messages = missed;
      else {
        const reason = missed === undefined ? 'the message given as since is not in the recovery window' : `more than ${limits.RECOVERY_LIMIT} messages were missed`;
        frames.push(encodeFrame({ type: 'history_reset', room, reason }));
      }
    }
    messages ??= await this.#options.history.recent(room, limit);
    for (const message of messages) frames.push(encodeFrame(historyFrame(message)));
    return { frames, ids: new Set(messages.map((message) => message.messageId)) };
  }

  async #publish(connection: ClientConnection, room: string, payload: Record<string, unknown>): Promise<void> {
    if (!this.#subscribed(connection, { type: 'publish', room })) return;
    const now = Date.now();
    const { user } = connection;
    const message: RoomMessage = {
      messageId: newMessageId(now),
      room,
      userId: user.id,
      username: user.username,
      payload,
      metadata: roomMetadata(room, now, this.#members.subscribers(room).size, this.#members.trackers(room).size),
      createdAt: now,
    };
    if (!(await this.#appended(connection, 'publish', 'message', () => acceptRoomMessage(this.#options.messageLog, this.#fanout, message)))) return;
    this.#accepted.add();
  }

  async #edit(connection: ClientConnection, room: string, messageId: string, payload: Record<string, unknown>): Promise<void> {
    if (!this.#subscribed(connection, { type: 'edit_message', room })) return;
    const original = (await this.#options.history.recent(room, limits.EDIT_WINDOW)).find((message) => message.messageId === messageId);
    if (!original) return this.#refuse(connection, 'no_such_message', `message ${messageId} is not among the last ${limits.EDIT_WINDOW} of "${room}"`, 'edit_message');
    if (original.userId !== connection.user.id) return this.#refuse(connection, 'not_author', 'you can edit only your own messages', 'edit_message');
    const editedAt = Date.now();
    const edit = { messageId, room, userId: connection.user.id, payload, editedAt };
    if (!(await this.#appended(connection, 'edit_message', 'edit', () => this.#options.messageLog.append({ kind: 'edit', edit })))) return;
    this.#fanout.publish({ room, frame: encodeFrame(editedFrame(original, payload, editedAt)) });
  }

  async #direct(connection: ClientConnection, toUserId: string, payload: unknown): Promise<void> {
    const here = this.#members.hasUser(toUserId);
    if (!here && !(await this.#options.presence.isOnline(toUserId))) {
      return this.#refuse(connection, 'user_offline', `user "${toUserId}" is not connected`, 'direct_msg');
    }
    this.#fanout.publish({ userId: toUserId, frame: encodeFrame({ type: 'direct_message', payload, user: connection.user, toUserId }) });
  }

  /** Runs an append to the message log; false (and the client told) when the log did not take it. */
  async #appended(connection: ClientConnection, type: 'publish' | 'edit_message', kind: LoggedEntry['kind'], append: () => Promise<void>): Promise<boolean> {
    try {
      await append();
      return true;
    } catch (err) {
      this.#log.warn('the message log refused an entry', { kind, err });
      this.#refuse(connection, 'unavailable', 'the message was not accepted (the message log did not take it): send it again', type);
      return false;
    }
  }

  /** Joins the room here; the first of its user's connections to be present there makes the user present. */
  async #enter(connection: ClientConnection, room: string, how: 'subscribe' | 'track'): Promise<void> {
    const user = connection.user;
    const wasPresent = this.#members.isPresent(room, user.id);
    if (how === 'subscribe') this.#members.subscribe(connection, room);
    else this.#members.track(connection, room);
    if (wasPresent) return;
    await this.#presenceCall('join', () => this.#options.presence.join(room, user));
    this.#fanout.publish({ room, trackers: true, except: user.id, frame: encodeFrame({ type: 'user_joined', room, user }) });
  }

  async #exit(connection: ClientConnection, room: string, how: 'subscribe' | 'track'): Promise<void> {
    const user = connection.user;
    if (how === 'subscribe') this.#members.unsubscribe(connection, room);
    else this.#members.untrack(connection, room);
    if (this.#closing || this.#members.isPresent(room, user.id)) return;
    await this.#presenceCall('leave', () => this.#options.presence.leave(room, user));
    this.#fanout.publish({ room, trackers: true, frame: encodeFrame({ type: 'user_left', room, user }) });
  }

  /** An anonymous client names itself: it leaves its rooms as the old user and enters them as the new one. */
  #identify(connection: ClientConnection, user: ChatUser): void {
    const old = connection.user;
    if (old.id === user.id && old.username === user.username) return;
    const rooms = [...connection.rooms];
    const tracking = [...connection.tracking];
    for (const room of rooms) void this.#exit(connection, room, 'subscribe');
    for (const room of tracking) void this.#exit(connection, room, 'track');
    if (this.#members.remove(connection)) void this.#presenceCall('disconnect', () => this.#options.presence.disconnect(old));
    connection.user = user;
    if (this.#members.add(connection)) void this.#presenceCall('connect', () => this.#options.presence.connect(user));
    for (const room of rooms) void this.#enter(connection, room, 'subscribe');
    for (const room of tracking) void this.#enter(connection, room, 'track');
  }

  #gone(connection: ClientConnection): void {
    connection.dispose();
    for (const room of [...connection.rooms]) void this.#exit(connection, room, 'subscribe');
    for (const room of [...connection.tracking]) void this.#exit(connection, room, 'track');
    if (this.#members.remove(connection) && !this.#closing) void this.#presenceCall('disconnect', () => this.#options.presence.disconnect(connection.user));
  }

  #deliver(delivery: Delivery): void {
    if ('userId' in delivery) {
      for (const connection of this.#members.userConnections(delivery.userId)) connection.send(delivery.frame);
      return;
    }
    const targets = delivery.trackers ? this.#members.trackers(delivery.room) : this.#members.subscribers(delivery.room);
    for (const connection of targets) {
      if (delivery.except !== undefined && connection.user.id === delivery.except) continue;
      connection.send(delivery.frame, delivery.room, delivery.messageId);
    }
  }

  #subscribed(connection: ClientConnection, frame: { type: ClientFrame['type']; room: string }): boolean {
    if (connection.rooms.has(frame.room)) return true;
    this.#refuse(connection, 'not_subscribed', `subscribe to "${frame.room}" before you ${frame.type.replace('_', ' ')} there`, frame.type);
    return false;
  }

  #overRate(connection: ClientConnection): void {
    framesOf('over_rate').inc();
    if (!connection.abuse.take()) return this.#close(connection, CLOSE.tooManyMessages, 'too many messages: kept sending over the rate limit');
    const { perSecond, burst } = this.#settings.rate;
    this.#refuse(connection, 'rate_limited', `over ${perSecond} frames a second (bursts of ${burst}): this frame was dropped; slow down or the connection is closed`);
  }

  readonly #onSlow = (connection: ClientConnection): void => {
    this.#slowConsumerCloses++;
    closesOf(String(CLOSE.slowConsumer)).inc();
    this.#log.info('a slow consumer was disconnected', { user: connection.user.id, queued: connection.queued });
  };

  #close(connection: ClientConnection, code: number, reason: string): void {
    closesOf(String(code)).inc();
    connection.close(code, reason);
  }

  #refuse(connection: ClientConnection, code: string, error: string, ref?: string): void {
    refusedOf(code).inc();
    this.#send(connection, errorFrame(code, error, ref));
  }

  #send(connection: ClientConnection, frame: ServerFrame): void {
    connection.send(encodeFrame(frame));
  }

  /** Presence is best effort: a failure is logged, and the chat goes on without it. */
  #presenceCall(what: string, call: () => Promise<void>): Promise<void> {
    return call().catch((err: unknown) => this.#log.warn(`presence ${what} failed`, { err }));
  }

  #pingAll(): void {
    for (const connection of this.#members.connections) if (connection.ws.readyState === connection.ws.OPEN) connection.ws.ping();
  }

  /** Cuts, without a close frame, every connection that has shown nothing for the pong wait. */
  #cutSilent(pongWaitMs: number): void {
    const now = Date.now();
    for (const connection of this.#members.connections) if (now - connection.lastSeen >= pongWaitMs) connection.ws.terminate();
  }
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
