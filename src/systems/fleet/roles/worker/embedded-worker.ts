import type { DriverIndex } from '../../store/driver-index.ts';
import { MemoryEventClaims } from '../../store/event-claims.ts';
import { MemoryDriverIndex } from '../../store/memory-driver-index.ts';
import { LocalDriverFinder } from '../local-driver-finder.ts';
import { DispatchWorker, type DispatchWorkerOptions } from './dispatch-worker.ts';

export interface EmbeddedWorkerOptions extends Omit<DispatchWorkerOptions, 'claims' | 'finder'> {
  /** The drivers; by default an empty in-memory index the caller fills through `index`. */
  index?: DriverIndex;
}

export interface EmbeddedWorker {
  readonly worker: DispatchWorker;
  readonly index: DriverIndex;
  close(): Promise<void>;
}

/**
 * The worker inside another process (mensageiro up, tests): the same composition with its claims in memory and the
 * search made on the index in this process instead of over gRPC. The bus and the store are the caller's.
 */
export async function startEmbeddedWorker(options: EmbeddedWorkerOptions): Promise<EmbeddedWorker> {
  const index = options.index ?? new MemoryDriverIndex();
  const claims = new MemoryEventClaims();
  const worker = await DispatchWorker.start({ ...options, claims, finder: new LocalDriverFinder(index) });
  return {
    worker,
    index,
    close: async () => {
      await worker.close();
      await claims.close();
    },
  };
}
