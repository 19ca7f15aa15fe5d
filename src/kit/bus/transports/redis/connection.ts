import { Redis, type RedisOptions } from 'ioredis';
import { createLogger } from '../../../observe/log.ts';
import { type ScriptedRedis, scripts } from './scripts.ts';

const log = createLogger('bus.redis');

const options: RedisOptions = {
  // RESP2 explicitly: ioredis 6 speaks RESP3 by default, which changes the shape of stream replies.
  protocol: 2,
  lazyConnect: true,
  // Reconnects at once after a blip (10 ms, doubling up to 2 s). Commands wait in the offline queue
  // meanwhile and are resent; one fails only after 20 reconnect attempts (about half a minute), so a
  // send survives a blip but does not hang for ever on a dead server.
  retryStrategy: (times) => Math.min(10 * 2 ** Math.min(times - 1, 8), 2_000) * (1 + Math.random() / 5),
  maxRetriesPerRequest: 20,
  enableOfflineQueue: true,
  autoResubscribe: true,
  scripts,
};

/**
 * The first connection of a transport; it fails fast when Redis cannot be reached at all.
 * `?pipelining=auto` in the URL batches the commands of one tick into one write: about 15% more queued
 * messages per second at full load, but a worse tail at moderate load (see docs/benchmarks.md), so it is opt-in.
 */
export async function openConnection(url: URL, name: string): Promise<ScriptedRedis> {
  const target = new URL(url.href);
  const enableAutoPipelining = target.searchParams.get('pipelining') === 'auto';
  target.searchParams.delete('pipelining');
  const redis = new Redis(target.href, { ...options, connectionName: name, enableAutoPipelining }) as ScriptedRedis;
  watch(redis, url, name);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${url.host}: ${(err as Error).message}`, { cause: err });
  }
  return redis;
}

/** Another connection to the same server, e.g. one that blocks or subscribes. */
export function duplicateConnection(redis: ScriptedRedis, url: URL, name: string): ScriptedRedis {
  // Never auto-pipeline on a connection that blocks: commands would queue behind the blocking read.
  const copy = redis.duplicate({ connectionName: name, lazyConnect: false, enableAutoPipelining: false }) as unknown as ScriptedRedis;
  watch(copy, url, name);
  return copy;
}

/** Logs a lost connection once, and its recovery, rather than every failed reconnect attempt. */
function watch(redis: Redis, url: URL, name: string): void {
  let down = false;
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => void (lastError = err));
  redis.on('reconnecting', () => {
    if (down) return;
    down = true;
    log.warn('redis connection lost; reconnecting', { host: url.host, connection: name, err: lastError });
  });
  redis.on('ready', () => {
    lastError = undefined;
    if (!down) return;
    down = false;
    log.info('redis connection restored', { host: url.host, connection: name });
  });
}
