import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { writeFileAtomic } from '../../../kit/store/atomic-file.ts';
import { type SqlDatabase, checkSchemaName } from './sql-database.ts';

export interface PgliteOptions {
  schema: string;
  /** A folder to keep the database in; in memory without one. */
  dataDir?: string;
  /** An instance already open, shared by several schemas (tests); close() leaves it open. */
  shared?: PGlite;
}

/**
 * PGlite: PostgreSQL in this process, on one connection. Its statements run one at a time, so FOR UPDATE SKIP
 * LOCKED never meets a lock here (it parses and runs as on PostgreSQL); LISTEN/NOTIFY works within the process.
 */
export async function openPglite(options: PgliteOptions): Promise<SqlDatabase> {
  const schema = checkSchemaName(options.schema);
  const db = options.shared ?? (options.dataDir ? await PGlite.create(options.dataDir) : await newInMemoryPglite());
  return {
    engine: 'pglite',
    schema,
    async query<R extends object>(text: string, params?: readonly unknown[]) {
      return (await db.query<R>(text, params as unknown[] | undefined)).rows;
    },
    async exec(script) {
      await db.exec(script);
    },
    transaction(work) {
      return db.transaction((tx) =>
        work({
          query: async <R extends object>(text: string, params?: readonly unknown[]) => (await tx.query<R>(text, params as unknown[] | undefined)).rows,
          exec: async (script) => void (await tx.exec(script)),
        }),
      );
    },
    async listen(channel, onNotify) {
      const stop = await db.listen(channel, () => onNotify());
      return async () => await stop();
    },
    async close() {
      if (!options.shared) await db.close();
    },
  };
}

/**
 * A fresh database in memory. PGlite runs initdb on every start in memory, which costs several seconds of CPU
 * and a few hundred MB at its peak; the first start keeps a copy of the fresh data folder (4 MB, a .tar.gz in
 * the system's temporary folder, per PGlite version) and later ones load that instead.
 */
export async function newInMemoryPglite(): Promise<PGlite> {
  const template = join(tmpdir(), `mensageiro-pglite-${PGLITE_VERSION}.tar.gz`);
  if (existsSync(template)) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([readFileSync(template)]) });
    } catch {
      // a template another version or a crash left behind: made again below
    }
  }
  const db = await PGlite.create();
  try {
    const dump = await db.dumpDataDir('gzip');
    writeFileAtomic(template, new Uint8Array(await dump.arrayBuffer()));
  } catch {
    // only the next start's speed depends on it (another user's file may be in the way)
  }
  return db;
}

// Its exports leave out package.json; the entry module is in dist/, beside it.
const PGLITE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite')), 'utf8')) as { version: string }).version;
