import { OrderStore } from './order-store.ts';
import { OutboxStore } from './outbox-store.ts';
import { openPglite } from './pglite-database.ts';
import { openPostgres } from './postgres-database.ts';
import { migrate } from './schema.ts';
import { SqlDispatchStore } from './sql-dispatch-store.ts';
import type { SqlDatabase } from './sql-database.ts';

export const DEFAULT_SCHEMA = 'fleet';

/** Where fleet's tables live: a PostgreSQL server (the cluster) or PGlite in this process (embedded). */
export type DatabaseChoice = { postgres: string; poolSize?: number } | { pglite: { dataDir?: string } };

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
  const db = 'postgres' in choice ? await openPostgres(choice.postgres, { schema, poolSize: choice.poolSize }) : await openPglite({ schema, ...choice.pglite });
  return storesOn(db);
}

/** The stores on a database already open (tests share one PGlite among schemas); migrates first. */
export async function storesOn(db: SqlDatabase): Promise<FleetStores> {
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return { db, orders: new OrderStore(db), outbox: new OutboxStore(db), dispatch: new SqlDispatchStore(db), close: () => db.close() };
}
