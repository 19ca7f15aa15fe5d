import { redactUrl } from '../../../kit/cli/args.ts';
import type { DispatchOutcome, DispatchStore } from '../store/dispatch-store.ts';
import { openFleetStores } from '../store/fleet-stores.ts';
import { FleetCommandError } from './fleet-command-error.ts';

export interface ClosableDispatchStore extends DispatchStore {
  close(): Promise<void>;
}

/** The worker's DispatchStore on PostgreSQL, opened from --postgres, its schema migrated. */
export async function openWorkerStore(url: string, schema: string): Promise<ClosableDispatchStore> {
  let stores;
  try {
    stores = await openFleetStores({ postgres: url }, schema);
  } catch (err) {
    throw new FleetCommandError(`cannot open the orders at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  const { dispatch } = stores;
  return {
    dispatch: (orderId, driverId, eventId) => dispatch.dispatch(orderId, driverId, eventId),
    sendToManual: (orderId, eventId) => dispatch.sendToManual(orderId, eventId),
    pickupOf: (orderId) => dispatch.pickupOf(orderId),
    close: () => stores.close(),
  };
}

/** Env var for crash tests only: the process kills itself (SIGKILL) right after a write commits, before its ack. */
export const CRASH_AFTER_COMMIT_ENV = 'MENSAGEIRO_FLEET_CRASH_AFTER_COMMIT';

/** The store, killing this process right after the first write that changed an order, as a crash between commit and ack. */
export function crashAfterCommit<T extends DispatchStore>(store: T): T {
  const crash = (outcome: DispatchOutcome): DispatchOutcome => {
    if (outcome === 'applied') process.kill(process.pid, 'SIGKILL');
    return outcome;
  };
  return Object.assign(Object.create(store) as T, {
    dispatch: async (orderId: string, driverId: string, eventId: string) => crash(await store.dispatch(orderId, driverId, eventId)),
    sendToManual: async (orderId: string, eventId: string) => crash(await store.sendToManual(orderId, eventId)),
  });
}
