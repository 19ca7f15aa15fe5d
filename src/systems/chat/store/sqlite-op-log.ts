import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type ChatOp, isChatOp } from '../domain/chat-op.ts';
import { type ServerData, toServerData } from '../domain/server-data.ts';
import { type SqliteCheckpointer, startSqliteCheckpointer } from '../../../kit/store/sqlite-checkpointer.ts';
import type { OpLog } from './op-log.ts';

/**
 * No index on id: ids are random UUIDs, and keeping a B-tree of them in order made each commit write pages
 * all over the file (2.7× the disk work of appending alone, measured). The log keeps its ids in memory instead,
 * as the chat state does anyway. Files from before keep their UNIQUE index and AUTOINCREMENT; both still work.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ops (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    clock INTEGER NOT NULL,
    at REAL NOT NULL,
    op TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`;

/**
 * The highest seq ever given out, kept once a row has been deleted (a replaced version): without AUTOINCREMENT,
 * SQLite would give a deleted last row's seq to the next op, and a peer that had read past it would skip it.
 */
const HIGH_SEQ = 'high_seq';

/** Only the fields of its kind, so nothing extra a peer sent is kept. */
function canonical(op: ChatOp): ChatOp {
  const { id, origin, clock, at } = op;
  switch (op.kind) {
    case 'login':
      return { id, origin, clock, at, kind: op.kind, user: op.user };
    case 'channel':
      return { id, origin, clock, at, kind: op.kind, channel: op.channel };
    case 'publish':
      return { id, origin, clock, at, kind: op.kind, user: op.user, channel: op.channel, message: op.message };
    case 'message':
      return { id, origin, clock, at, kind: op.kind, src: op.src, dst: op.dst, message: op.message };
  }
}

function parseRow(row: { seq: number; op: string }, path: string): ChatOp {
  const op: unknown = JSON.parse(row.op);
  if (!isChatOp(op)) throw new Error(`${path}: row ${row.seq} of the ops table is no chat op; restore the file from a peer or a backup`);
  return op;
}

function nonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, not ${value}`);
}

class SqliteOpLog implements OpLog {
  #db: Database.Database;
  #path: string;
  #lastSeq: number;
  #insert: Database.Statement;
  #all: Database.Statement<[], { seq: number; op: string }>;
  #ids: Database.Statement<[number, number], { seq: number; id: string }>;
  #delete: Database.Statement<[number]>;
  #keepHighSeq: Database.Statement<[string, number]>;
  #bySeq: Database.Statement<[number], { seq: number; op: string }>;
  /** Every id in the log, with its seq: the uniqueness check and the index for get(). */
  #seqOf = new Map<string, number>();
  #appendMany: (ops: ChatOp[]) => boolean[];
  #replace: (op: ChatOp) => void;
  #checkpointer: SqliteCheckpointer | undefined;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#path = path;
    this.#db = new Database(path);
    // WAL with synchronous=NORMAL: a commit survives the process being killed, and a power loss can only
    // drop the last commits, never corrupt the file.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    if (path !== ':memory:') {
      this.#db.pragma('wal_autocheckpoint = 0');
      this.#checkpointer = startSqliteCheckpointer(path);
    }
    this.#db.exec(SCHEMA);
    this.#insert = this.#db.prepare('INSERT INTO ops (seq, id, kind, origin, clock, at, op) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#all = this.#db.prepare('SELECT seq, op FROM ops ORDER BY seq');
    this.#ids = this.#db.prepare('SELECT seq, id FROM ops WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#delete = this.#db.prepare('DELETE FROM ops WHERE seq = ?');
    this.#keepHighSeq = this.#db.prepare('INSERT INTO log_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.#bySeq = this.#db.prepare('SELECT seq, op FROM ops WHERE seq = ?');
    this.#appendMany = this.#db.transaction((ops: ChatOp[]) => ops.map((op) => this.append(op)));
    this.#replace = this.#db.transaction((op: ChatOp) => {
      const seq = this.#seqOf.get(op.id);
      if (seq !== undefined) this.#delete.run(seq);
      this.#seqOf.delete(op.id);
      this.append(op);
      this.#keepHighSeq.run(HIGH_SEQ, this.#lastSeq);
    });
    this.#lastSeq = (this.#db.prepare('SELECT value FROM log_meta WHERE key = ?').get(HIGH_SEQ) as { value: number } | undefined)?.value ?? 0;
    for (const row of this.#db.prepare('SELECT seq, id FROM ops ORDER BY seq').iterate() as IterableIterator<{ seq: number; id: string }>) {
      this.#seqOf.set(row.id, row.seq);
      this.#lastSeq = Math.max(this.#lastSeq, row.seq);
    }
  }

  append(op: ChatOp): boolean {
    if (!isChatOp(op)) throw new TypeError('only a well-formed chat op can be appended to the log');
    if (this.#seqOf.has(op.id)) return false;
    const stored = canonical(op);
    const seq = this.#lastSeq + 1;
    this.#insert.run(seq, stored.id, stored.kind, stored.origin, stored.clock, stored.at, JSON.stringify(stored));
    this.#lastSeq = seq;
    this.#seqOf.set(op.id, seq);
    return true;
  }

  appendMany(ops: ChatOp[]): boolean[] {
    const lastSeq = this.#lastSeq;
    try {
      return this.#appendMany(ops);
    } catch (err) {
      // The transaction rolled back: so do the ids it had recorded.
      for (const op of ops) if ((this.#seqOf.get(op.id) ?? 0) > lastSeq) this.#seqOf.delete(op.id);
      this.#lastSeq = lastSeq;
      throw err;
    }
  }

  ids(afterSeq: number, limit: number): { ids: string[]; lastSeq: number } {
    nonNegativeInteger('afterSeq', afterSeq);
    nonNegativeInteger('limit', limit);
    const rows = this.#ids.all(afterSeq, limit);
    return { ids: rows.map((row) => row.id), lastSeq: rows.at(-1)?.seq ?? afterSeq };
  }

  replace(op: ChatOp): void {
    const held = this.#seqOf.get(op.id);
    const lastSeq = this.#lastSeq;
    try {
      this.#replace(op);
    } catch (err) {
      this.#seqOf.delete(op.id);
      if (held !== undefined) this.#seqOf.set(op.id, held);
      this.#lastSeq = lastSeq;
      throw err;
    }
  }

  get(ids: string[]): ChatOp[] {
    return ids.flatMap((id) => {
      const seq = this.#seqOf.get(id);
      const row = seq === undefined ? undefined : this.#bySeq.get(seq);
      return row ? [parseRow(row, this.#path)] : [];
    });
  }

  all(): ChatOp[] {
    return this.#all.all().map((row) => parseRow(row, this.#path));
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  close(): void {
    void this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    if (this.#db.open) {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
      this.#db.close();
    }
  }
}

/** A durable op log in one SQLite file (its directory is created); ':memory:' for tests. */
export function openSqliteOpLog(path: string): OpLog {
  return new SqliteOpLog(path);
}

/** The seed's server_data.json from a server's log, read-only, so it works while the server is running. */
export function readServerData(path: string): ServerData {
  if (!existsSync(path)) throw new Error(`no chat log at ${path}: check the server name or its --data path`);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const hasOps = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ops'").get() !== undefined;
    if (!hasOps) throw new Error(`${path} is not a chat log (it has no ops table)`);
    const rows = db.prepare('SELECT seq, op FROM ops ORDER BY seq').all() as { seq: number; op: string }[];
    return toServerData(rows.map((row) => parseRow(row, path)));
  } finally {
    db.close();
  }
}
