import { type SqlDatabase, schemaIdentifier } from './sql-database.ts';

export const DEFAULT_SCHEMA = 'public';

interface Migration {
  version: number;
  description: string;
  /** The statements, with every object qualified by the schema `s` (already quoted). */
  sql(s: string): string;
}

/**
 * The schema, one numbered step at a time; each step runs once per schema, in a transaction, recorded in
 * `ws_schema_version`. Never edit a step that has shipped: add the next one.
 */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: "the reference's tables, trigger and view",
    // As the reference's init.sql, with two changes: no uuid-ossp (nothing uses it, and an extension is the
    // whole database's), and the room_stats trigger runs once per statement over its inserted rows instead of
    // once per row, because the per-row upsert of the same room row is what limits a COPY of thousands
    // (docs/chat-ws.md, Persistence).
    sql: (s) => `
CREATE TABLE IF NOT EXISTS ${s}.messages (
  id BIGSERIAL PRIMARY KEY,
  room_name VARCHAR(255) NOT NULL,
  user_id VARCHAR(255),
  username VARCHAR(255),
  payload JSONB NOT NULL,
  metadata JSONB,
  created_at TIMESTAMPTZ DEFAULT NOW(),
  processed_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_messages_room_name ON ${s}.messages (room_name);
CREATE INDEX IF NOT EXISTS idx_messages_created_at ON ${s}.messages (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_messages_user_id ON ${s}.messages (user_id);
CREATE INDEX IF NOT EXISTS idx_messages_room_created ON ${s}.messages (room_name, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_messages_payload ON ${s}.messages USING GIN (payload);

CREATE TABLE IF NOT EXISTS ${s}.room_stats (
  room_name VARCHAR(255) PRIMARY KEY,
  total_messages BIGINT DEFAULT 0,
  active_users INT DEFAULT 0,
  last_activity TIMESTAMPTZ DEFAULT NOW(),
  created_at TIMESTAMPTZ DEFAULT NOW(),
  updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE OR REPLACE FUNCTION ${s}.update_room_stats() RETURNS TRIGGER AS $$
BEGIN
  INSERT INTO ${s}.room_stats AS rs (room_name, total_messages, last_activity)
  SELECT room_name, count(*), max(created_at) FROM inserted GROUP BY room_name ORDER BY room_name
  ON CONFLICT (room_name) DO UPDATE SET
    total_messages = rs.total_messages + EXCLUDED.total_messages,
    last_activity = GREATEST(rs.last_activity, EXCLUDED.last_activity),
    updated_at = NOW();
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trigger_update_room_stats
AFTER INSERT ON ${s}.messages
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT
EXECUTE FUNCTION ${s}.update_room_stats();

CREATE OR REPLACE VIEW ${s}.recent_messages AS
SELECT m.id, m.room_name, m.user_id, m.username, m.payload, m.metadata, m.created_at, rs.total_messages AS room_total_messages
FROM ${s}.messages m
LEFT JOIN ${s}.room_stats rs ON m.room_name = rs.room_name
ORDER BY m.created_at DESC
LIMIT 1000;`,
  },
  {
    version: 2,
    description: 'message ids, edits, parked entries',
    // message_id makes a redelivered batch insert nothing twice (ON CONFLICT); ids sort by time, so
    // (room_name, message_id) serves history. The view shows the new columns, and messages of the same
    // millisecond in the order they were inserted. An edit whose message is not in the table yet (another persister
    // holds it) waits in pending_edits. Entries that cannot be stored go to parked_entries, to be looked at.
    sql: (s) => `
ALTER TABLE ${s}.messages ADD COLUMN message_id VARCHAR(32), ADD COLUMN edited_at TIMESTAMPTZ;
CREATE UNIQUE INDEX idx_messages_message_id ON ${s}.messages (message_id);
CREATE INDEX idx_messages_room_message_id ON ${s}.messages (room_name, message_id);

CREATE OR REPLACE VIEW ${s}.recent_messages AS
SELECT m.id, m.room_name, m.user_id, m.username, m.payload, m.metadata, m.created_at, rs.total_messages AS room_total_messages,
  m.message_id, m.edited_at
FROM ${s}.messages m
LEFT JOIN ${s}.room_stats rs ON m.room_name = rs.room_name
ORDER BY m.created_at DESC, m.id DESC
LIMIT 1000;

CREATE TABLE ${s}.pending_edits (
  message_id VARCHAR(32) NOT NULL,
  edited_at TIMESTAMPTZ NOT NULL,
  room_name VARCHAR(255) NOT NULL,
  user_id VARCHAR(255),
  payload JSONB NOT NULL,
  recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (message_id, edited_at)
);

CREATE TABLE ${s}.parked_entries (
  id BIGSERIAL PRIMARY KEY,
  source_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  fields JSONB NOT NULL,
  parked_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings `schema` (created if missing) to the latest version; safe to run from several processes at once (they
 * take turns on an advisory lock) and again on every start. Resolves with the versions it applied.
 */
export async function migrate(db: SqlDatabase, schema = DEFAULT_SCHEMA): Promise<number[]> {
  const s = schemaIdentifier(schema);
  return db.transaction(async (session) => {
    await session.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mensageiro chat ws schema ${schema}`]);
    await session.exec(`CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.ws_schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())`);
    const [row] = await session.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${s}.ws_schema_version`);
    const current = row?.version ?? 0;
    const applied: number[] = [];
    for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
      await session.exec(migration.sql(s));
      await session.query(`INSERT INTO ${s}.ws_schema_version (version, description) VALUES ($1, $2)`, [migration.version, migration.description]);
      applied.push(migration.version);
    }
    return applied;
  });
}
