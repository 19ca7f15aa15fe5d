import type { ChatUser } from '../domain/client-frames.ts';
import { type Presence, distinctUsers } from './presence.ts';

/** Presence entries of every instance in this process; instances that share one see each other's users. */
export class PresenceBoard {
  /** room → `${instance}\0${userId}` → user */
  readonly rooms = new Map<string, Map<string, ChatUser>>();
  /** userId → instances it has a connection on */
  readonly online = new Map<string, Set<string>>();
}

/** Presence in this process: for one instance on its own (embedded), or several in one process sharing a board. */
export class MemoryPresence implements Presence {
  constructor(
    readonly instanceId: string,
    readonly board: PresenceBoard = new PresenceBoard(),
  ) {}

  async join(room: string, user: ChatUser): Promise<void> {
    let members = this.board.rooms.get(room);
    if (!members) this.board.rooms.set(room, (members = new Map()));
    members.set(this.#key(user.id), user);
  }

  async leave(room: string, user: ChatUser): Promise<void> {
    const members = this.board.rooms.get(room);
    if (!members) return;
    members.delete(this.#key(user.id));
    if (members.size === 0) this.board.rooms.delete(room);
  }

  async list(room: string): Promise<ChatUser[]> {
    return distinctUsers(this.board.rooms.get(room)?.values() ?? []);
  }

  async connect(user: ChatUser): Promise<void> {
    let instances = this.board.online.get(user.id);
    if (!instances) this.board.online.set(user.id, (instances = new Set()));
    instances.add(this.instanceId);
  }

  async disconnect(user: ChatUser): Promise<void> {
    const instances = this.board.online.get(user.id);
    if (!instances) return;
    instances.delete(this.instanceId);
    if (instances.size === 0) this.board.online.delete(user.id);
  }

  async isOnline(userId: string): Promise<boolean> {
    return (this.board.online.get(userId)?.size ?? 0) > 0;
  }

  async close(): Promise<void> {
    const mine = `${this.instanceId}\0`;
    for (const [room, members] of this.board.rooms) {
      for (const key of members.keys()) if (key.startsWith(mine)) members.delete(key);
      if (members.size === 0) this.board.rooms.delete(room);
    }
    for (const [userId, instances] of this.board.online) {
      instances.delete(this.instanceId);
      if (instances.size === 0) this.board.online.delete(userId);
    }
  }

  #key(userId: string): string {
    return `${this.instanceId}\0${userId}`;
  }
}
