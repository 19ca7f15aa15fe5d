import { Redis } from 'ioredis';

/**
 * A Redis connection from a URL: `redis://host:6379/0`, or a unix socket as `redis+unix:///run/redis.sock`
 * (a private Redis with no TCP port, the cheapest way to share state between processes on one machine).
 * It fails fast when Redis cannot be reached at all, then reconnects on its own after a blip.
 */
export async function openRedis(url: string, name: string, options: { autoPipelining?: boolean } = {}): Promise<Redis> {
  const redis = new Redis(url, {
    protocol: 2,
    lazyConnect: true,
    connectionName: name,
    enableAutoPipelining: options.autoPipelining ?? false,
    retryStrategy: (times) => Math.min(10 * 2 ** Math.min(times - 1, 8), 2_000),
    maxRetriesPerRequest: 20,
  });
  redis.on('error', () => {
    // Reconnection is automatic; a command that finally fails rejects where it was called.
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${url}: ${(err as Error).message}; start one (redis-server) or pass another URL`, { cause: err });
  }
  return redis;
}
