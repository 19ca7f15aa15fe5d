import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { redactUrl } from '../../../../kit/cli/args.ts';
import { createLogger } from '../../../../kit/observe/log.ts';
import { chunked } from './copy-text.ts';
import type { SqlDatabase, SqlSession } from './sql-database.ts';

const log = createLogger('chat.ws.postgres');

/** A failure to reach PostgreSQL at all; its message says where it tried. */
export class PostgresUnreachableError extends Error {}

/** A pool on a PostgreSQL server; rows are bulk-loaded with COPY FROM STDIN (pg-copy-streams). */
export async function openPostgres(url: string, maxConnections = 4): Promise<SqlDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, connectionTimeoutMillis: 10_000 });
  // An idle connection the server dropped: the pool discards it and opens another on the next query.
  pool.on('error', (err) => log.warn('an idle PostgreSQL connection failed', { err: err.message }));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new PostgresUnreachableError(`cannot reach PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return new PgDatabase(pool);
}

class PgSession implements SqlSession {
  constructor(protected readonly client: pg.Pool | pg.PoolClient) {}

  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.client.query(sql, params)).rows as R[];
  }

  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }

  async copyIn(table: string, columns: readonly string[], rows: readonly string[]): Promise<void> {
    if (!('release' in this.client)) throw new Error('COPY runs inside a transaction');
    const copy = this.client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
    await pipeline(Readable.from(chunked(rows)), copy);
  }
}

class PgDatabase extends PgSession implements SqlDatabase {
  constructor(private readonly pool: pg.Pool) {
    super(pool);
  }

  async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(new PgSession(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackFailed: Error) => (broken = rollbackFailed));
      throw err;
    } finally {
      // A connection that could not even roll back is not given to the next caller.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
