import type { ClientConnection } from './client-connection.ts';

const NONE: ReadonlySet<ClientConnection> = new Set();

/**
 * This instance's connections by room and by user. A user is present in a room here while any of its
 * connections subscribes to it or tracks its presence; the hub tells Presence when that starts and ends.
 */
export class LocalMembers {
  readonly connections = new Set<ClientConnection>();
  readonly #subscribers = new Map<string, Set<ClientConnection>>();
  readonly #trackers = new Map<string, Set<ClientConnection>>();
  /** A user's connection here, or its connections when it has several: most users have one, and a Set each would cost more than the connection's own state. */
  readonly #users = new Map<string, ClientConnection | Set<ClientConnection>>();

  /** Adds the connection under its user; true when it is the user's first here. */
  add(connection: ClientConnection): boolean {
    this.connections.add(connection);
    const id = connection.user.id;
    const held = this.#users.get(id);
    if (held === undefined) this.#users.set(id, connection);
    else if (held instanceof Set) held.add(connection);
    else if (held !== connection) this.#users.set(id, new Set([held, connection]));
    return held === undefined;
  }

  /** Removes the connection from its user (not from its rooms); true when it was the user's last here. */
  remove(connection: ClientConnection): boolean {
    this.connections.delete(connection);
    const id = connection.user.id;
    const held = this.#users.get(id);
    if (held === connection) {
      this.#users.delete(id);
      return true;
    }
    if (!(held instanceof Set) || !held.delete(connection)) return false;
    if (held.size === 1) this.#users.set(id, held.values().next().value!);
    return false;
  }

  subscribe(connection: ClientConnection, room: string): void {
    connection.setRoom('subscribe', room, true);
    addTo(this.#subscribers, room, connection);
  }

  unsubscribe(connection: ClientConnection, room: string): void {
    connection.setRoom('subscribe', room, false);
    removeFrom(this.#subscribers, room, connection);
  }

  track(connection: ClientConnection, room: string): void {
    connection.setRoom('track', room, true);
    addTo(this.#trackers, room, connection);
  }

  untrack(connection: ClientConnection, room: string): void {
    connection.setRoom('track', room, false);
    removeFrom(this.#trackers, room, connection);
  }

  /** Whether any of the user's connections here subscribes to the room or tracks it. */
  isPresent(room: string, userId: string): boolean {
    for (const connection of this.userConnections(userId)) if (connection.rooms.has(room) || connection.tracking.has(room)) return true;
    return false;
  }

  subscribers(room: string): ReadonlySet<ClientConnection> {
    return this.#subscribers.get(room) ?? NONE;
  }

  trackers(room: string): ReadonlySet<ClientConnection> {
    return this.#trackers.get(room) ?? NONE;
  }

  userConnections(userId: string): Iterable<ClientConnection> {
    const held = this.#users.get(userId);
    return held === undefined ? NONE : held instanceof Set ? held : [held];
  }

  /** Whether the user has a connection here. */
  hasUser(userId: string): boolean {
    return this.#users.has(userId);
  }

  /** Rooms with a subscriber here. */
  get roomCount(): number {
    return this.#subscribers.size;
  }
}

function addTo(map: Map<string, Set<ClientConnection>>, key: string, connection: ClientConnection): boolean {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(connection);
  return set.size === 1;
}

function removeFrom(map: Map<string, Set<ClientConnection>>, key: string, connection: ClientConnection): boolean {
  const set = map.get(key);
  if (!set?.delete(connection)) return false;
  if (set.size === 0) map.delete(key);
  return set.size === 0;
}
