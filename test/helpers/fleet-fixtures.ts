import { randomUUID } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { type FleetStores, storesOn } from '../../src/systems/fleet/store/fleet-stores.ts';
import { newInMemoryPglite, openPglite } from '../../src/systems/fleet/store/pglite-database.ts';
import { openPostgres } from '../../src/systems/fleet/store/postgres-database.ts';
import type { NewOrder } from '../../src/systems/fleet/domain/order.ts';
import { engine } from './engines.ts';

/** A schema name unique to one test, so tests can share database `test` side by side. */
export function testSchema(label: string): string {
  return `t_${label}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
}

/** One database engine under test: opens fleet's stores in a fresh schema and drops them all in cleanup(). */
export class FleetStoreFixture {
  readonly #opened: FleetStores[] = [];
  #pglite: Promise<PGlite> | undefined;

  constructor(
    readonly name: 'postgres' | 'pglite',
    readonly url: string | undefined,
    readonly skip: string | undefined,
  ) {}

  /** Stores in a new schema; a second call with the same schema opens another pool on the same tables. */
  async stores(schema = testSchema(this.name)): Promise<FleetStores> {
    const db =
      this.name === 'postgres' ? await openPostgres(this.url!, { schema, poolSize: 12 }) : await openPglite({ schema, shared: await (this.#pglite ??= newInMemoryPglite()) });
    const stores = await storesOn(db);
    this.#opened.push(stores);
    return stores;
  }

  async cleanup(): Promise<void> {
    const schemas = new Set(this.#opened.map((stores) => stores.db.schema));
    const first = this.#opened[0];
    for (const schema of schemas) await first?.db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await Promise.allSettled(this.#opened.splice(0).map((stores) => stores.close()));
  }

  async close(): Promise<void> {
    await this.cleanup();
    if (this.#pglite) await (await this.#pglite).close();
  }
}

/** PostgreSQL (database `test`) and PGlite: the store suite runs unchanged against each. */
export function storeFixtures(): FleetStoreFixture[] {
  const postgres = engine('postgres');
  return [new FleetStoreFixture('postgres', postgres.url, postgres.skip), new FleetStoreFixture('pglite', undefined, undefined)];
}

export function newOrder(id: string, overrides: Partial<NewOrder> = {}): NewOrder {
  return { id, priceCents: 10_000, taxCents: 1_000, finalCents: 11_000, pickup: { lat: -23.5505, lng: -46.6333 }, ...overrides };
}
