import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { SalesQuery, SalesTotals } from '../domain/sales-query.ts';

/** `%` and `_` in a keyword are literal characters, not wildcards. */
function likePattern(keyword: string): string {
  return `%${keyword.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface Built {
  sql: string;
  params: Array<string | number>;
}

/**
 * The worker's SQL, built from the filters present. Only the shape depends on the query; every value is a
 * bound parameter. Region and category become IN lists on the sales index's leading columns.
 */
export function buildSalesSql(q: SalesQuery): Built {
  const where = ['s.deleted_at IS NULL'];
  const params: Array<string | number> = [];
  if (q.region !== undefined) {
    where.push('s.store_id IN (SELECT st.id FROM stores st JOIN regions r ON r.id = st.region_id WHERE r.name = ? AND st.deleted_at IS NULL)');
    params.push(q.region);
  }
  if (q.category !== undefined) {
    where.push('s.product_id IN (SELECT id FROM products WHERE category = ? AND deleted_at IS NULL)');
    params.push(q.category);
  }
  if (q.productKeyword !== undefined) {
    where.push("s.product_id IN (SELECT id FROM products WHERE name LIKE ? ESCAPE '\\')");
    params.push(likePattern(q.productKeyword));
  }
  if (q.buyerKeyword !== undefined) {
    where.push("s.customer_id IN (SELECT id FROM customers WHERE first_name LIKE ? ESCAPE '\\' OR last_name LIKE ? ESCAPE '\\')");
    params.push(likePattern(q.buyerKeyword), likePattern(q.buyerKeyword));
  }
  if (q.from !== undefined) {
    where.push('s.date >= ?');
    params.push(q.from);
  }
  if (q.to !== undefined) {
    where.push('s.date < ?');
    params.push(q.to);
  }
  if (q.startHour !== undefined && q.endHour !== undefined) {
    const hour = 'CAST(substr(s.date, 12, 2) AS INTEGER)';
    where.push(q.startHour <= q.endHour ? `${hour} BETWEEN ? AND ?` : `(${hour} >= ? OR ${hour} <= ?)`);
    params.push(q.startHour, q.endHour);
  }
  if (q.minAmount !== undefined) {
    where.push('s.amount >= ?');
    params.push(q.minAmount);
  }
  if (q.maxAmount !== undefined) {
    where.push('s.amount <= ?');
    params.push(q.maxAmount);
  }
  return { sql: `SELECT COUNT(*) AS count, COALESCE(SUM(s.amount), 0) AS revenue FROM sales s WHERE ${where.join(' AND ')}`, params };
}

/** A read-only connection to the sales database, with one prepared statement per query shape. */
export class SalesReader {
  readonly #statements = new Map<string, Database.Statement>();

  private constructor(readonly db: Database.Database) {}

  static open(path: string): SalesReader {
    if (!existsSync(path)) throw new Error(`no sales database at ${path}: create it with "mensageiro sales seed --db ${path}"`);
    return new SalesReader(openReadOnly(path));
  }

  query(q: SalesQuery): SalesTotals {
    const { sql, params } = buildSalesSql(q);
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    const row = statement.get(params) as { count: number; revenue: number };
    return { count: row.count, revenue: row.revenue };
  }

  regions(): string[] {
    return (this.db.prepare('SELECT name FROM regions WHERE deleted_at IS NULL ORDER BY id').all() as Array<{ name: string }>).map((r) => r.name);
  }

  categories(): string[] {
    return (this.db.prepare('SELECT DISTINCT category FROM products WHERE deleted_at IS NULL ORDER BY category').all() as Array<{ category: string }>).map((r) => r.category);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The seed writes the database in rollback-journal mode, which SQLite reads without creating anything beside the
 * file, so a worker answers from a read-only directory or volume. A database written in WAL mode by an older
 * seed needs its -shm created even to be read: that case gets an error that says how to rewrite it.
 */
function openReadOnly(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    if (db.pragma('journal_mode', { simple: true }) === 'wal') db.prepare('SELECT 1 FROM sales LIMIT 1').get();
    return db;
  } catch (err) {
    db.close();
    throw new Error(`cannot read ${path} (${(err as Error).message}): it is in WAL mode, which SQLite cannot read from a read-only directory; rewrite it with "mensageiro sales seed --db ${path}"`, { cause: err });
  }
}
