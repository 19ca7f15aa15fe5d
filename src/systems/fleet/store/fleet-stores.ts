import { OrderStore } from './order-store.ts';
import { OutboxStore } from './outbox-store.ts';
import { openPglite } from './pglite-database.ts';
import { openPostgres } from './postgres-database.ts';
import { migrate } from './schema.ts';
import { SqlDispatchStore } from './sql-dispatch-store.ts';
import type { SqlDatabase } from './sql-database.ts';

export const DEFAULT_SCHEMA = 'fleet';

/** Where fleet's tables live: a PostgreSQL server (the cluster) or PGlite in this process (embedded). */
export type DatabaseChoice = { postgres: string; poolSize?: number; synchronousCommit?: boolean } | { pglite: { dataDir?: string } };

/** Every store fleet has, on one database. */
export interface FleetStores {
  db: SqlDatabase;
  orders: OrderStore;
  outbox: OutboxStore;
  dispatch: SqlDispatchStore;
  close(): Promise<void>;
}

/** Opens the database, brings `schema` up to date (every start; idempotent) and makes the stores on it. */
export async function openFleetStores(choice: DatabaseChoice, schema = DEFAULT_SCHEMA): Promise<FleetStores> {
  const db = 'postgres' in choice ? await openPostgres(choice.postgres, { schema, poolSize: choice.poolSize, synchronousCommit: choice.synchronousCommit }) : await openPglite({ schema, ...choice.pglite });
  return storesOn(db);
}

/**
 * The relay's own small pool, whose commits do not wait for the disk: a claim or a PUBLISHED mark lost in a
 * PostgreSQL crash leaves its row PENDING or PROCESSING, to be published again (at least once, which the worker's
 * inbox absorbs), and the API's commits, which must wait, no longer queue behind the relay's for the disk.
 */
export function openRelayStores(url: string, schema: string, poolSize = 3): Promise<FleetStores> {
  return openFleetStores({ postgres: url, poolSize, synchronousCommit: false }, schema);
}

/** The stores on a database already open (tests share one PGlite among schemas); migrates first. */
export async function storesOn(db: SqlDatabase): Promise<FleetStores> {
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return storesFor(db);
}

/** The stores on a database whose schema is up to date. */
export function storesFor(db: SqlDatabase): FleetStores {
  return { db, orders: new OrderStore(db), outbox: new OutboxStore(db), dispatch: new SqlDispatchStore(db), close: () => db.close() };
}
