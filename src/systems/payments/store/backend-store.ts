import type { Bus } from '../../../kit/bus/bus.ts';
import { createBus } from '../../../kit/bus/registry.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { LocalLease, type Lease, RedisLease } from '../../../kit/store/lease.ts';
import type { Shard } from '../domain/id-shard.ts';
import { MemoryLedger } from './memory-ledger.ts';
import type { PaymentLedger } from './payment-ledger.ts';
import { MemorySeenIds, type SeenIds } from './seen-ids.ts';
import type { SendJournal } from './send-journal.ts';

/** What instances share: the ledger, the health-checker lease, and a bus for health reports and purges. */
export interface BackendStore {
  bus: Bus;
  ledger: PaymentLedger;
  lease: Lease;
  /** The ids the deployment accepted, as an API instance sees them; `shard`: the ids nginx sends this instance. */
  openSeenIds(options: { shard?: Shard; log: Logger }): Promise<SeenIds>;
  /** Only where a queue can hand a payment to another dispatcher (Redis). */
  journal?: SendJournal;
  close(): Promise<void>;
}

/**
 * Renewed every 5.05 s, so it survives one missed renewal; the others try every second to take it, so a dead
 * checker is replaced within 13 s.
 */
const LEASE_TTL_MS = 12_000;

/**
 * `memory` keeps everything in this process (one instance: `payments up`, tests). A Redis URL —
 * `redis://host:6379` or `redis+unix:///path/redis.sock` — is shared by every instance that names it.
 */
/** The same, with a failure turned into the message a command prints (exit code 1). */
export async function openBackendStoreOrExplain(url: string, instanceId: string, explain: (message: string) => Error): Promise<BackendStore> {
  try {
    return await openBackendStore(url, instanceId);
  } catch (err) {
    throw explain((err as Error).message);
  }
}

export async function openBackendStore(url: string, instanceId: string): Promise<BackendStore> {
  if (url === 'memory' || url === 'memory://') {
    const bus = await createBus('memory://');
    return { bus, ledger: new MemoryLedger(), lease: new LocalLease(), openSeenIds: async () => new MemorySeenIds(), close: () => bus.close() };
  }
  if (!/^rediss?:|^redis\+unix:/.test(url)) throw new Error(`--store "${url}" is not a store: use memory, redis://host:6379 or redis+unix:///path/redis.sock`);
  // Loaded only here: ioredis alone is ~20 MB of a process's memory.
  const [{ openRedis }, { RedisLedger }, { RedisSendJournal }, { RedisSeenIds }] = await Promise.all([
    import('../../../kit/store/redis-client.ts'),
    import('./redis-ledger.ts'),
    import('./send-journal.ts'),
    import('./redis-seen-ids.ts'),
  ]);
  const redis = await openRedis(url, `payments:${instanceId}`, { autoPipelining: true });
  // Auto-pipelining: the payments accepted in one turn of the event loop reach the queue in one write.
  // A dispatcher that dies leaves its payments unacknowledged; another takes them over after 5 s.
  const bus = await createBus(withPipelining(url), { claimIdleMs: 5_000 });
  const ledger = new RedisLedger(redis);
  return {
    bus,
    ledger,
    lease: new RedisLease(redis, 'payments:health-checker', instanceId, LEASE_TTL_MS),
    journal: new RedisSendJournal(redis),
    openSeenIds: ({ shard, log }) => RedisSeenIds.open({ url, instanceId, shard, log }),
    close: async () => {
      await bus.close();
      await ledger.close();
    },
  };
}

function withPipelining(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('pipelining')) parsed.searchParams.set('pipelining', 'auto');
  return parsed.href;
}
