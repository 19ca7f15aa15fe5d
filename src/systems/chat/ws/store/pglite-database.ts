import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlDatabase, SqlSession } from './sql-database.ts';

/**
 * PostgreSQL compiled to WebAssembly, in this process: in memory, or in `dataDir` when given. One connection,
 * so queries wait for a running transaction. PGlite has no COPY FROM STDIN; it reads COPY … FROM '/dev/blob'
 * from a Blob passed with the query, which takes the same text-format rows.
 */
export async function openPglite(dataDir?: string): Promise<SqlDatabase> {
  const db = new PGlite(dataDir);
  await db.waitReady;
  return new PgliteDatabase(db);
}

class PgliteSession implements SqlSession {
  constructor(protected readonly db: PGlite | Transaction) {}

  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.db.query<R>(sql, params)).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async copyIn(table: string, columns: readonly string[], rows: readonly string[]): Promise<void> {
    await this.db.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`, [], { blob: new Blob(rows as string[]) });
  }
}

class PgliteDatabase extends PgliteSession implements SqlDatabase {
  constructor(private readonly pglite: PGlite) {
    super(pglite);
  }

  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.pglite.transaction((tx) => work(new PgliteSession(tx)));
  }

  async close(): Promise<void> {
    await this.pglite.close();
  }
}
