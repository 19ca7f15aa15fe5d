import type { ChatUser } from '../domain/client-frames.ts';

/**
 * Who is in which room on every instance, and who is connected at all: in Redis for a cluster, in this process
 * when embedded. The hub calls join and connect once per user per instance (its first connection) and leave and
 * disconnect after its last; each entry belongs to this instance, which keeps it alive while it runs.
 */
export interface Presence {
  /** `user` is in `room` on this instance until leave(), or until this instance stops keeping it alive. */
  join(room: string, user: ChatUser): Promise<void>;
  leave(room: string, user: ChatUser): Promise<void>;
  /** The room's users on every live instance, each once (a user on two instances is listed once). */
  list(room: string): Promise<ChatUser[]>;
  /** `user` has a connection on this instance. */
  connect(user: ChatUser): Promise<void>;
  disconnect(user: ChatUser): Promise<void>;
  /** Whether `userId` has a connection on any live instance. */
  isOnline(userId: string): Promise<boolean>;
  /** Takes this instance's entries away now (a clean stop); a killed instance's expire instead. */
  close(): Promise<void>;
}

/** At most this many users in one presence_list. */
export const PRESENCE_LIST_MAX = 1_000;

/** One user per id, the first seen kept, at most PRESENCE_LIST_MAX. */
export function distinctUsers(users: Iterable<ChatUser>): ChatUser[] {
  const byId = new Map<string, ChatUser>();
  for (const user of users) {
    if (byId.size >= PRESENCE_LIST_MAX) break;
    if (!byId.has(user.id)) byId.set(user.id, user);
  }
  return [...byId.values()];
}
