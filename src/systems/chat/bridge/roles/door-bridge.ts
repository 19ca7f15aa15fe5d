import { randomUUID } from 'node:crypto';
import type { Bus } from '../../../../kit/bus/bus.ts';
import { type Logger, createLogger } from '../../../../kit/observe/log.ts';
import type { RoomMessage } from '../../ws/domain/room-message.ts';
import { encodeFrame, roomMetadata } from '../../ws/domain/server-frames.ts';
import { DEFAULT_CHANNEL, type Delivery, InstanceFanout } from '../../ws/roles/instance-fanout.ts';
import type { Presence } from '../../ws/roles/presence.ts';
import { acceptRoomMessage } from '../../ws/roles/room-acceptance.ts';
import type { MessageLog } from '../../ws/store/message-log.ts';
import { type ChatSession, ChatRequestError, checked } from '../../zmq/roles/chat-session.ts';
import type { Publication } from '../../zmq/wire/publication.ts';
import {
  type WsPost,
  type ZmqPost,
  ZMQ_USER_PREFIX,
  bridgeWriteId,
  isBridgeWrite,
  messageIdOfWrite,
  payloadOfText,
  readDelivery,
  readPublication,
  zmqUserOnWs,
} from '../domain/door-mapping.ts';
import { SerialJobs } from './serial-jobs.ts';

export interface DoorBridgeOptions {
  /** The bridge's id on the Bus: the WebSocket instances see it as one more instance. */
  instanceId: string;
  bus: Bus;
  /** The Bus topic the WebSocket instances share (default gosocket:broadcast). */
  channel?: string;
  /** Where a ZeroMQ message is accepted on the WebSocket side, as a client's publish is. */
  messageLog: MessageLog;
  /** ZeroMQ users are made present (connected) here, so that WebSocket users can send them direct messages. */
  presence: Presence;
  /** A session on the ZeroMQ chat's broker and proxy; the bridge owns it from here on. */
  session: ChatSession;
  /** How often the ZeroMQ side's users and channels are read again (default 5 s). */
  refreshMs?: number;
  log?: Logger;
}

export interface BridgeStats {
  /** ZeroMQ publications delivered to the WebSocket side. */
  toWs: number;
  /** WebSocket messages written on the ZeroMQ side. */
  toZmq: number;
  /** Messages that could not cross (refused by the other side, or over the queue's bound); each is logged. */
  dropped: number;
}

/** Messages waiting to cross, each way; past this a message is dropped (and counted), as a full send buffer does. */
const QUEUE_CAPACITY = 10_000;
/** At most this many ZeroMQ users are made reachable from the WebSocket side, and WebSocket names remembered. */
const MAX_USERS = 10_000;

/**
 * Joins the two front doors. It is one more instance on the WebSocket door's Bus topic and one more subscriber
 * of the ZeroMQ proxy, on every topic. A ZeroMQ channel message becomes a room message accepted as a client's is
 * (the message log first, then the Bus); a WebSocket room message becomes a `publish` through the broker, as its
 * author, with an id that marks it as the bridge's, so that the bridge drops it when the proxy hands it back. The
 * bridge never sees its own envelopes on the Bus, so neither side hears a message twice.
 */
export class DoorBridge {
  readonly #options: DoorBridgeOptions;
  readonly #session: ChatSession;
  readonly #log: Logger;
  #fanout!: InstanceFanout;
  readonly #toWs: SerialJobs;
  readonly #toZmq: SerialJobs;
  /** Names that exist on the ZeroMQ side: a publish as one needs no login first. */
  readonly #zmqNames = new Set<string>();
  readonly #zmqChannels = new Set<string>();
  /** ZeroMQ users made present on the WebSocket side. */
  readonly #present = new Set<string>();
  /** WebSocket username → the id that last used it: where a ZeroMQ direct message to that name goes. */
  readonly #wsIds = new Map<string, string>();
  readonly #stats: BridgeStats = { toWs: 0, toZmq: 0, dropped: 0 };
  #refresh: NodeJS.Timeout | undefined;
  #stopListening: (() => void) | undefined;

  private constructor(options: DoorBridgeOptions) {
    this.#options = options;
    this.#session = options.session;
    this.#log = options.log ?? createLogger(`chat-bridge:${options.instanceId}`);
    this.#toWs = new SerialJobs(QUEUE_CAPACITY, (err) => this.#failed('to the WebSocket side', err));
    this.#toZmq = new SerialJobs(QUEUE_CAPACITY, (err) => this.#failed('to the ZeroMQ side', err));
  }

  static async start(options: DoorBridgeOptions): Promise<DoorBridge> {
    const bridge = new DoorBridge(options);
    bridge.#fanout = await InstanceFanout.start({
      bus: options.bus,
      channel: options.channel ?? DEFAULT_CHANNEL,
      instanceId: options.instanceId,
      deliver: (delivery) => bridge.#fromWs(delivery),
      log: bridge.#log,
    });
    bridge.#stopListening = options.session.onPublication((publication) => bridge.#fromZmq(publication));
    options.session.subscribeEverything();
    await bridge.#readZmqSide();
    bridge.#refresh = setInterval(() => void bridge.#readZmqSide(), options.refreshMs ?? 5_000);
    bridge.#refresh.unref();
    return bridge;
  }

  stats(): BridgeStats {
    return { ...this.#stats };
  }

  /** Stops taking messages, lets those under way cross, and closes the ZeroMQ session. */
  async close(): Promise<void> {
    clearInterval(this.#refresh);
    this.#stopListening?.();
    await this.#fanout.close();
    await Promise.all([this.#toWs.idle(), this.#toZmq.idle()]);
    await this.#session.close();
  }

  #fromZmq({ topic, payload }: Publication): void {
    const post = readPublication(topic, payload);
    if (!post || isBridgeWrite(post.id)) return;
    if (post.kind === 'channel') {
      this.#makePresent(post.user);
      this.#queue(this.#toWs, () => this.#roomMessageFromZmq(post));
      return;
    }
    this.#makePresent(post.from);
    const toUserId = this.#wsIds.get(post.to);
    if (toUserId === undefined) return; // between two ZeroMQ users
    const frame = encodeFrame({ type: 'direct_message', payload: payloadOfText(post.message), user: zmqUserOnWs(post.from), toUserId });
    this.#queue(this.#toWs, async () => {
      this.#fanout.broadcast({ userId: toUserId, frame });
      this.#stats.toWs++;
    });
  }

  async #roomMessageFromZmq(post: Extract<ZmqPost, { kind: 'channel' }>): Promise<void> {
    const message: RoomMessage = {
      messageId: messageIdOfWrite(post.id, post.at),
      room: post.channel,
      ...userFields(zmqUserOnWs(post.user)),
      payload: payloadOfText(post.message),
      metadata: roomMetadata(post.channel, post.at, 0, 0),
      createdAt: post.at,
    };
    await acceptRoomMessage(this.#options.messageLog, { publish: (delivery) => this.#fanout.broadcast(delivery) }, message);
    this.#stats.toWs++;
  }

  #fromWs(delivery: Delivery): void {
    const post = readDelivery(delivery);
    if (!post || post.user.id.startsWith(ZMQ_USER_PREFIX)) return;
    this.#rememberWsUser(post.user.username, post.user.id);
    if (post.kind === 'joined') {
      const name = post.user.username;
      const login = () => this.#ensureZmqName(name).catch((err: unknown) => this.#log.warn('a WebSocket user could not be logged in on the ZeroMQ side; its first message tries again', { name, err }));
      this.#queue(this.#toZmq, login, false);
      return;
    }
    this.#queue(this.#toZmq, () => this.#writeOnZmq(post));
  }

  async #writeOnZmq(post: Exclude<WsPost, { kind: 'joined' }>): Promise<void> {
    const name = post.user.username;
    await this.#ensureZmqName(name);
    if (post.kind === 'room') {
      await this.#ensureZmqChannel(post.room);
      await this.#write('publish', { user: name, channel: post.room, message: post.text, id: bridgeWriteId('publish', post.messageId) });
    } else {
      await this.#write('message', { src: name, dst: post.to, message: post.text, id: bridgeWriteId('message', randomUUID()) });
    }
    this.#stats.toZmq++;
  }

  async #ensureZmqName(name: string): Promise<void> {
    if (this.#zmqNames.has(name)) return;
    await this.#write('login', { user: name, id: bridgeWriteId('login', name) });
    this.#zmqNames.add(name);
  }

  /** A room the ZeroMQ side does not have yet is created there first (its channel request, as the bridge). */
  async #ensureZmqChannel(room: string): Promise<void> {
    if (this.#zmqChannels.has(room)) return;
    try {
      await this.#write('channel', { channel: room, id: bridgeWriteId('channel', room) });
    } catch (err) {
      // Another client may have created it meanwhile: that refusal is no failure.
      if (!(err instanceof ChatRequestError) || !(await this.#session.channels()).includes(room)) throw err;
    }
    this.#zmqChannels.add(room);
  }

  async #write(service: string, data: Record<string, unknown>): Promise<void> {
    checked(service, await this.#session.call(service, data));
  }

  /** The ZeroMQ side's users (made reachable from the WebSocket side) and channels; a failure waits for the next turn. */
  async #readZmqSide(): Promise<void> {
    try {
      const [users, channels] = [await this.#session.users(), await this.#session.channels()];
      for (const name of users) {
        this.#zmqNames.add(name);
        if (!this.#wsIds.has(name)) this.#makePresent(name);
      }
      for (const channel of channels) this.#zmqChannels.add(channel);
    } catch (err) {
      this.#log.warn('the ZeroMQ side did not list its users and channels; trying again later', { err });
    }
  }

  #makePresent(name: string): void {
    if (this.#present.has(name) || this.#present.size >= MAX_USERS) return;
    this.#present.add(name);
    this.#options.presence.connect(zmqUserOnWs(name)).catch((err: unknown) => {
      this.#present.delete(name);
      this.#log.warn('a ZeroMQ user could not be made present; direct messages to it are refused until the next try', { name, err });
    });
  }

  #rememberWsUser(username: string, id: string): void {
    this.#wsIds.delete(username);
    this.#wsIds.set(username, id);
    if (this.#wsIds.size > MAX_USERS) this.#wsIds.delete(this.#wsIds.keys().next().value as string);
  }

  #queue(jobs: SerialJobs, job: () => Promise<void>, counted = true): void {
    if (jobs.push(job)) return;
    if (counted) this.#stats.dropped++;
    this.#log.warn(`more than ${QUEUE_CAPACITY} messages wait to cross: this one is dropped`);
  }

  #failed(where: string, err: unknown): void {
    this.#stats.dropped++;
    const reason = err instanceof ChatRequestError ? err.reason : (err as Error).message;
    this.#log.warn(`a message could not cross ${where}`, { reason });
  }
}

function userFields(user: { id: string; username: string }): Pick<RoomMessage, 'userId' | 'username'> {
  return { userId: user.id, username: user.username };
}
