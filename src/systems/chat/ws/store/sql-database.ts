/**
 * The little of PostgreSQL the chat's store uses, so that the same SQL runs on a PostgreSQL server (pg) and on
 * PGlite in the process (embedded mode). They differ only in how rows are bulk-loaded.
 */
export interface SqlSession {
  /** One parameterized statement; resolves with its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Several statements without parameters, as a migration or a fixed step has them. */
  exec(sql: string): Promise<void>;
  /**
   * Loads `rows` (COPY text format, one line each) into `table`'s `columns`: COPY … FROM STDIN through
   * pg-copy-streams on a server, COPY … FROM '/dev/blob' with the rows as a Blob on PGlite.
   */
  copyIn(table: string, columns: readonly string[], rows: readonly string[]): Promise<void>;
}

export interface SqlDatabase extends SqlSession {
  /** `work` on one connection in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** An error PostgreSQL raised about the data itself (class 22, data exception, or 23, integrity): no retry fixes it. */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/** A schema name as written into SQL: only lower-case letters, digits and _, so it never needs escaping. */
export function schemaIdentifier(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new RangeError(`schema "${schema}" must be lower-case letters, digits and _, starting with a letter or _`);
  return `"${schema}"`;
}
