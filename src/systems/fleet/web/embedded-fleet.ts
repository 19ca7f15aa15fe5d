import type { Bus } from '../../../kit/bus/bus.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { BusOutboxPublisher } from '../roles/bus-outbox-publisher.ts';
import { OutboxRelay } from '../roles/outbox-relay.ts';
import { DEFAULT_SCHEMA, type FleetStores, storesFor, storesOn } from '../store/fleet-stores.ts';
import { openPglite } from '../store/pglite-database.ts';
import type { SqlDatabase } from '../store/sql-database.ts';

export interface EmbeddedFleet {
  /** Usable at once: a query made while PGlite starts waits for it. */
  stores: FleetStores;
  relay: OutboxRelay;
  /** Resolves once the database is up and migrated and the relay runs; rejects with why it could not start. */
  ready: Promise<void>;
  /** Undefined while starting or once up; why it could not start otherwise. */
  problem(): string | undefined;
  isReady(): boolean;
  stop(): Promise<void>;
}

/**
 * Fleet in this process: PGlite (in memory, or in `dataDir`), the outbox relay sending each event to the
 * platform's Bus. PGlite takes seconds to start, so `up` does not wait for it: the stores are usable at once
 * and their queries wait until it is up.
 */
export function startEmbeddedFleet(options: { bus: Bus; log: Logger; dataDir?: string }): EmbeddedFleet {
  const { bus, log } = options;
  let problem: string | undefined;
  let ready = false;
  const opening = openPglite({ schema: DEFAULT_SCHEMA, dataDir: options.dataDir }).then(async (db) => (await storesOn(db)).db);
  const stores = storesOnceOpen(opening);
  const relay = new OutboxRelay(stores.outbox, new BusOutboxPublisher(bus), log);
  // The worker (orders.created → the geo search → DispatchStore) and the in-memory geo index start here, on this
  // bus and stores.dispatch, once the database is up.
  const started = opening.then(async () => {
    await relay.start();
    ready = true;
  });
  started.catch((err: unknown) => {
    problem = `the embedded database did not start: ${(err as Error).message}`;
    log.error(problem, { err });
  });
  return {
    stores,
    relay,
    ready: started,
    problem: () => problem,
    isReady: () => ready,
    async stop() {
      await started.catch(() => {});
      await relay.stop();
      await stores.close();
    },
  };
}

/** Stores on a database still opening: each call waits for it (and fails as it failed). */
function storesOnceOpen(opening: Promise<SqlDatabase>): FleetStores {
  const waiting: SqlDatabase = {
    engine: 'pglite',
    schema: DEFAULT_SCHEMA,
    query: async (text, params) => (await opening).query(text, params),
    exec: async (script) => (await opening).exec(script),
    transaction: async (work) => (await opening).transaction(work),
    listen: async (channel, onNotify) => (await opening).listen(channel, onNotify),
    close: async () => (await opening.catch(() => undefined))?.close(),
  };
  return storesFor(waiting);
}
