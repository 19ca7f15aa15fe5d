import type { RoomMessage } from '../domain/room-message.ts';
import { copyRow } from './copy-text.ts';
import type { ReadEntry, SourceEntry, UnstorableEntry } from './entry-source.ts';
import { type SqlDatabase, type SqlSession, isDataError, schemaIdentifier } from './sql-database.ts';
import { type EntryJson, encodeEntry, fieldMap, storableText } from './stream-fields.ts';

export interface BatchOutcome {
  /** Messages new to the table (a redelivered one is not counted again). */
  inserted: number;
  /** Edits in the batch, applied or waiting for their message. */
  edits: number;
  /** Entries that went to parked_entries instead. */
  parked: number;
}

const STAGING = 'pg_temp.ws_batch_staging';
const MESSAGE_COLUMNS = ['message_id', 'room_name', 'user_id', 'username', 'payload', 'metadata', 'created_at', 'edited_at'] as const;
const STAGING_COLUMNS = ['ord', 'kind', 'message_id', 'room_name', 'user_id', 'username', 'payload', 'metadata', 'created_at', 'edited_at'] as const;
/** An edit waits this long for its message before it is dropped as an edit of nothing. */
const PENDING_EDIT_DAYS = 1;

/**
 * Writes batches of log entries into the chat's schema, each batch in one transaction, the messages with COPY:
 * - first straight into `messages`, as the floor does; the unique message_id refuses a message already there
 *   (a redelivered batch: its persister died between commit and XACK), which rolls the attempt back, and
 * - then through a temporary table: COPY into it, INSERT … SELECT … ON CONFLICT (message_id) DO NOTHING, so a
 *   redelivered batch inserts nothing twice;
 * - when PostgreSQL refuses a value (SQLSTATE class 22 or 23), one entry at a time under a savepoint, and the
 *   entries it refuses are parked with its reason.
 * Edits come after the messages, newest `edited_at` winning; unparseable entries go to parked_entries.
 */
export class BatchWriter {
  readonly #s: string;
  readonly #insertSql: string;
  readonly #waitingSql: string;
  readonly #editSql: string;

  constructor(
    private readonly db: SqlDatabase,
    schema: string,
  ) {
    const s = schemaIdentifier(schema);
    this.#s = s;
    // Whether edits wait for their message: if so, the messages just inserted may be theirs.
    this.#waitingSql = `SELECT EXISTS (SELECT 1 FROM ${s}.pending_edits) AS waiting`;
    this.#insertSql = `WITH inserted AS (
  INSERT INTO ${s}.messages (message_id, room_name, user_id, username, payload, metadata, created_at, edited_at)
  SELECT message_id, room_name, user_id, username, payload, metadata, created_at, edited_at FROM ${STAGING} WHERE kind = 'message' ORDER BY ord
  ON CONFLICT (message_id) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted)::int AS inserted, EXISTS (SELECT 1 FROM ${s}.pending_edits) AS waiting`;
    // Every edit goes through pending_edits: there the newest of each message (by edited_at, then log order)
    // waits until its message is in the table, which may be now, or after another persister's batch. It applies
    // unless the row holds a newer edit, and only when room and author match the message's; then it goes.
    this.#editSql = `INSERT INTO ${s}.pending_edits (message_id, edited_at, room_name, user_id, payload)
SELECT DISTINCT ON (message_id, edited_at) message_id, edited_at, room_name, user_id, payload FROM ${STAGING}
WHERE kind = 'edit' ORDER BY message_id, edited_at, ord DESC
ON CONFLICT (message_id, edited_at) DO UPDATE SET payload = EXCLUDED.payload, room_name = EXCLUDED.room_name, user_id = EXCLUDED.user_id;
UPDATE ${s}.messages m SET payload = w.payload, edited_at = w.edited_at
FROM (
  SELECT DISTINCT ON (p.message_id) p.message_id, p.payload, p.edited_at FROM ${s}.pending_edits p
  JOIN ${s}.messages t ON t.message_id = p.message_id AND t.room_name = p.room_name AND t.user_id IS NOT DISTINCT FROM p.user_id
  ORDER BY p.message_id, p.edited_at DESC
) w
WHERE m.message_id = w.message_id AND (m.edited_at IS NULL OR m.edited_at <= w.edited_at);
DELETE FROM ${s}.pending_edits p USING ${s}.messages m WHERE p.message_id = m.message_id;
DELETE FROM ${s}.pending_edits WHERE recorded_at < NOW() - INTERVAL '${PENDING_EDIT_DAYS} day'`;
  }

  async write(batch: readonly SourceEntry[]): Promise<BatchOutcome> {
    const entries: ReadEntry[] = [];
    const unparsed: UnstorableEntry[] = [];
    for (const item of batch) {
      if (item.entry) entries.push(item);
      else unparsed.push(item);
    }
    const edits = entries.filter((item) => item.entry.kind === 'edit').length;
    const attempt = (write: (session: SqlSession, entries: readonly ReadEntry[]) => Promise<number>) =>
      this.db.transaction(async (session) => {
        const inserted = await write(session, entries);
        await this.#park(session, unparsed);
        return { inserted, edits, parked: unparsed.length };
      });
    try {
      return await attempt((session, all) => this.#writeDirect(session, all));
    } catch (err) {
      if (!isDataError(err)) throw err;
    }
    try {
      return await attempt((session, all) => this.#writeStaged(session, all));
    } catch (err) {
      if (!isDataError(err) || entries.length === 0) throw err;
    }
    return this.db.transaction(async (session) => {
      const refused: UnstorableEntry[] = [];
      let inserted = 0;
      for (const item of entries) {
        await session.exec('SAVEPOINT ws_entry');
        try {
          inserted += await this.#writeStaged(session, [item]);
          await session.exec('RELEASE SAVEPOINT ws_entry');
        } catch (err) {
          if (!isDataError(err)) throw err;
          await session.exec('ROLLBACK TO SAVEPOINT ws_entry');
          refused.push({ sourceId: item.sourceId, reason: `PostgreSQL refused it: ${(err as Error).message}`, fields: Object.fromEntries(fieldMap(encodeEntry(item.entry))) });
        }
      }
      await this.#park(session, [...unparsed, ...refused]);
      return { inserted, edits: edits - refused.filter((item) => item.fields.kind === 'edit').length, parked: unparsed.length + refused.length };
    });
  }

  async #writeDirect(session: SqlSession, entries: readonly ReadEntry[]): Promise<number> {
    const messages: string[] = [];
    const edits: ReadEntry[] = [];
    for (const item of entries) {
      if (item.entry.kind === 'message') messages.push(copyRow(messageValues(item.entry.message, item.json)));
      else edits.push(item);
    }
    if (messages.length > 0) await session.copyIn(`${this.#s}.messages`, MESSAGE_COLUMNS, messages);
    const [row] = await session.query<{ waiting: boolean }>(this.#waitingSql);
    if (row?.waiting || edits.length > 0) {
      await this.#stage(session, edits);
      await session.exec(this.#editSql);
    }
    return messages.length;
  }

  async #writeStaged(session: SqlSession, entries: readonly ReadEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    await this.#stage(session, entries);
    const [row] = await session.query<{ inserted: number; waiting: boolean }>(this.#insertSql);
    if (row?.waiting || entries.some((item) => item.entry.kind === 'edit')) await session.exec(this.#editSql);
    return row?.inserted ?? 0;
  }

  async #stage(session: SqlSession, entries: readonly ReadEntry[]): Promise<void> {
    await session.exec(`SET LOCAL client_min_messages TO warning;
CREATE TEMP TABLE IF NOT EXISTS ws_batch_staging (
  ord INTEGER, kind TEXT, message_id VARCHAR(32), room_name VARCHAR(255), user_id VARCHAR(255), username VARCHAR(255),
  payload JSONB, metadata JSONB, created_at TIMESTAMPTZ, edited_at TIMESTAMPTZ
) ON COMMIT DELETE ROWS;
DELETE FROM ${STAGING}`);
    if (entries.length > 0) await session.copyIn(STAGING, STAGING_COLUMNS, entries.map((item, i) => stagingRow(i, item)));
  }

  async #park(session: SqlSession, parked: readonly UnstorableEntry[]): Promise<void> {
    if (parked.length === 0) return;
    const fields = parked.map((item) => JSON.stringify(Object.fromEntries(Object.entries(item.fields).map(([k, v]) => [storableText(k), storableText(v)]))));
    await session.query(`INSERT INTO ${this.#s}.parked_entries (source_id, reason, fields) SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])`, [
      parked.map((item) => storableText(item.sourceId)),
      parked.map((item) => storableText(item.reason)),
      fields,
    ]);
  }
}

function stagingRow(ord: number, { entry, json }: ReadEntry): string {
  if (entry.kind === 'message') return copyRow([String(ord), 'message', ...messageValues(entry.message, json)]);
  const { edit } = entry;
  return copyRow([String(ord), 'edit', edit.messageId, edit.room, edit.userId, null, json?.payload ?? JSON.stringify(edit.payload), null, null, iso(edit.editedAt)]);
}

/** In MESSAGE_COLUMNS' order. */
function messageValues(m: RoomMessage, json: EntryJson | undefined): Array<string | null> {
  const payload = json?.payload ?? JSON.stringify(m.payload);
  const metadata = json?.metadata ?? JSON.stringify(m.metadata);
  return [m.messageId, m.room, m.userId, m.username, payload, metadata, iso(m.createdAt), m.editedAt === undefined ? null : iso(m.editedAt)];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
