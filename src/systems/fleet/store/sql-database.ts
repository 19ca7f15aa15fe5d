/**
 * The one thing fleet's stores talk to: PostgreSQL through a pg pool (the cluster), or PGlite, PostgreSQL
 * compiled to WebAssembly in this process (the embedded platform). The SQL is the same on both, so every store
 * is written once against this and chosen once, by which database is opened (open-database.ts).
 */
export interface SqlQueryable {
  /** One parameterized statement; resolves with its rows. */
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements with no parameters, in one round trip (a migration). */
  exec(script: string): Promise<void>;
}

export interface SqlDatabase extends SqlQueryable {
  readonly engine: 'postgres' | 'pglite';
  /** The schema the stores' tables are in; they name it in their SQL. */
  readonly schema: string;
  /** `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` on every NOTIFY on `channel` until the returned function is called. On PostgreSQL it holds
   * a connection of its own and opens it again after a drop; notifications sent while it was down are lost, so
   * a listener also polls.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** PostgreSQL's SQLSTATEs that the stores turn into answers. */
export const UNIQUE_VIOLATION = '23505';
export const CHECK_VIOLATION = '23514';

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A schema's name goes into the stores' SQL as an identifier (`fleet.orders`), which cannot be a parameter: only
 * lower-case letters, digits and _ are taken, and at most 40 of them so that a NOTIFY channel named after it
 * stays within PostgreSQL's 63 bytes.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`"${schema}" is not a schema name fleet takes: use lower-case letters, digits and _ (at most 40), starting with a letter or _`);
  return schema;
}
