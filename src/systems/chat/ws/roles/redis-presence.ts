import type { Redis } from 'ioredis';
import type { ChatUser } from '../domain/client-frames.ts';
import { createLogger } from '../../../../kit/observe/log.ts';
import { PRESENCE_LIST_MAX, type Presence, distinctUsers } from './presence.ts';

const log = createLogger('chat-ws.presence');

export interface RedisPresenceOptions {
  instanceId: string;
  /** Before every key: `gosocket:` gives gosocket:presence:<room> and gosocket:online:<userId>. */
  keyPrefix: string;
  /** How long an entry lives unless its instance refreshes it; it refreshes every third of this. */
  ttlMs: number;
}

/**
 * Presence in Redis, shared by every instance. A room is a sorted set `<prefix>presence:<room>` whose members
 * are [instance, user id, username] and whose scores are the time each expires; a user's connections are
 * `<prefix>online:<userId>`, members the instances. Each instance pushes its own entries' expiry forward every
 * ttl/3, so the users of an instance that was killed drop out of every list within ttl; readers skip (and
 * remove) expired members. Expiry times are this machine's clock: instances are assumed to agree within a second.
 */
export class RedisPresence implements Presence {
  readonly #redis: Redis;
  readonly #options: RedisPresenceOptions;
  /** This instance's entries, refreshed by the heartbeat: room → userId → user. */
  readonly #rooms = new Map<string, Map<string, ChatUser>>();
  readonly #online = new Map<string, ChatUser>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(redis: Redis, options: RedisPresenceOptions) {
    this.#redis = redis;
    this.#options = options;
    this.#heartbeat = setInterval(() => void this.#refresh(), Math.max(100, Math.floor(options.ttlMs / 3)));
    this.#heartbeat.unref();
  }

  async join(room: string, user: ChatUser): Promise<void> {
    let members = this.#rooms.get(room);
    if (!members) this.#rooms.set(room, (members = new Map()));
    members.set(user.id, user);
    const key = this.#roomKey(room);
    await this.#redis.multi().zadd(key, this.#expiry(), this.#member(user)).pexpire(key, this.#options.ttlMs * 2).exec();
  }

  async leave(room: string, user: ChatUser): Promise<void> {
    const members = this.#rooms.get(room);
    members?.delete(user.id);
    if (members?.size === 0) this.#rooms.delete(room);
    await this.#redis.zrem(this.#roomKey(room), this.#member(user));
  }

  async list(room: string): Promise<ChatUser[]> {
    const key = this.#roomKey(room);
    const now = Date.now();
    const [, live] = (await this.#redis.multi().zremrangebyscore(key, '-inf', now).zrangebyscore(key, now, '+inf', 'LIMIT', 0, PRESENCE_LIST_MAX * 2).exec()) ?? [];
    const members = (live?.[1] as string[] | undefined) ?? [];
    return distinctUsers(members.flatMap((member) => userOf(member) ?? []));
  }

  async connect(user: ChatUser): Promise<void> {
    this.#online.set(user.id, user);
    const key = this.#onlineKey(user.id);
    await this.#redis.multi().zadd(key, this.#expiry(), this.#options.instanceId).pexpire(key, this.#options.ttlMs * 2).exec();
  }

  async disconnect(user: ChatUser): Promise<void> {
    this.#online.delete(user.id);
    await this.#redis.zrem(this.#onlineKey(user.id), this.#options.instanceId);
  }

  async isOnline(userId: string): Promise<boolean> {
    return (await this.#redis.zcount(this.#onlineKey(userId), Date.now(), '+inf')) > 0;
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    const batch = this.#redis.pipeline();
    for (const [room, members] of this.#rooms) for (const user of members.values()) batch.zrem(this.#roomKey(room), this.#member(user));
    for (const userId of this.#online.keys()) batch.zrem(this.#onlineKey(userId), this.#options.instanceId);
    this.#rooms.clear();
    this.#online.clear();
    await batch.exec();
  }

  async #refresh(): Promise<void> {
    if (this.#rooms.size === 0 && this.#online.size === 0) return;
    const expiry = this.#expiry();
    const keep = this.#options.ttlMs * 2;
    const batch = this.#redis.pipeline();
    for (const [room, members] of this.#rooms) {
      const key = this.#roomKey(room);
      for (const user of members.values()) batch.zadd(key, expiry, this.#member(user));
      batch.pexpire(key, keep);
    }
    for (const userId of this.#online.keys()) {
      const key = this.#onlineKey(userId);
      batch.zadd(key, expiry, this.#options.instanceId).pexpire(key, keep);
    }
    try {
      await batch.exec();
    } catch (err) {
      log.warn('presence could not be refreshed; it is tried again at the next beat', { err });
    }
  }

  #expiry(): number {
    return Date.now() + this.#options.ttlMs;
  }

  #member(user: ChatUser): string {
    return JSON.stringify([this.#options.instanceId, user.id, user.username]);
  }

  #roomKey(room: string): string {
    return `${this.#options.keyPrefix}presence:${room}`;
  }

  #onlineKey(userId: string): string {
    return `${this.#options.keyPrefix}online:${userId}`;
  }
}

function userOf(member: string): ChatUser | undefined {
  try {
    const [, id, username] = JSON.parse(member) as unknown[];
    return typeof id === 'string' && typeof username === 'string' ? { id, username } : undefined;
  } catch {
    return undefined;
  }
}
