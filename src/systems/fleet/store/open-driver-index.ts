import { openRedis } from '../../../kit/store/redis-client.ts';
import { DEFAULT_DRIVERS_KEY, type DriverIndex } from './driver-index.ts';
import { MemoryDriverIndex } from './memory-driver-index.ts';
import { RedisDriverIndex } from './redis-driver-index.ts';

/** The index a URL names, chosen once: `memory://` for one process, `redis://…` shared; it owns its connection. */
export async function openDriverIndex(url: string, key = DEFAULT_DRIVERS_KEY): Promise<DriverIndex> {
  if (url.startsWith('memory:')) return new MemoryDriverIndex();
  return new RedisDriverIndex(await openRedis(url, 'fleet-drivers'), key);
}
