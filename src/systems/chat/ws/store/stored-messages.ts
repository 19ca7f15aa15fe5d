import type { RoomMessage } from '../domain/room-message.ts';
import { type SqlSession, schemaIdentifier } from './sql-database.ts';

interface MessageRow {
  message_id: string;
  room_name: string;
  user_id: string | null;
  username: string | null;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  created_ms: number;
  edited_ms: number | null;
}

/** Where a message stands in its room: its time, and how many of the room's messages are newer (counted up to a cap). */
export interface MessagePosition {
  createdAt: number;
  newer: number;
}

/** A room's messages as PostgreSQL has them, in message id order (which is time order). */
export class StoredMessages {
  readonly #columns = `message_id, room_name, user_id, username, payload, metadata,
  floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms, floor(extract(epoch FROM edited_at) * 1000)::float8 AS edited_ms`;
  readonly #s: string;

  constructor(
    private readonly db: SqlSession,
    schema: string,
  ) {
    this.#s = schemaIdentifier(schema);
  }

  /** The newest `limit`, newest first. */
  async newest(room: string, limit: number): Promise<RoomMessage[]> {
    const rows = await this.db.query<MessageRow>(
      `SELECT ${this.#columns} FROM ${this.#s}.messages WHERE room_name = $1 AND message_id IS NOT NULL ORDER BY message_id DESC LIMIT $2`,
      [room, limit],
    );
    return rows.map(toMessage);
  }

  /** The first `limit` after `messageId`, oldest first. */
  async after(room: string, messageId: string, limit: number): Promise<RoomMessage[]> {
    const rows = await this.db.query<MessageRow>(
      `SELECT ${this.#columns} FROM ${this.#s}.messages WHERE room_name = $1 AND message_id > $2 ORDER BY message_id LIMIT $3`,
      [room, messageId, limit],
    );
    return rows.map(toMessage);
  }

  /** Undefined when the room has no such message. */
  async position(room: string, messageId: string, countUpTo: number): Promise<MessagePosition | undefined> {
    const [row] = await this.db.query<{ created_ms: number; newer: number }>(
      `SELECT floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
  (SELECT count(*) FROM (SELECT 1 FROM ${this.#s}.messages n WHERE n.room_name = $1 AND n.message_id > $2 LIMIT $3) upto)::int AS newer
FROM ${this.#s}.messages WHERE room_name = $1 AND message_id = $2`,
      [room, messageId, countUpTo],
    );
    return row && { createdAt: row.created_ms, newer: row.newer };
  }
}

function toMessage(row: MessageRow): RoomMessage {
  const message: RoomMessage = {
    messageId: row.message_id,
    room: row.room_name,
    userId: row.user_id ?? '',
    username: row.username ?? '',
    payload: row.payload,
    metadata: row.metadata ?? {},
    createdAt: row.created_ms,
  };
  if (row.edited_ms !== null) message.editedAt = row.edited_ms;
  return message;
}
