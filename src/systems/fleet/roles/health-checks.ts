import type { Redis } from 'ioredis';
import { openRedis } from '../../../kit/store/redis-client.ts';

/** One engine's check: resolves with 'ok' or the reason it failed, never rejects. */
export type HealthCheck = () => Promise<string>;

const CHECK_TIMEOUT_MS = 2_000;

/**
 * Runs every check at once, each bounded by a timeout: `{ status: 'ok' | 'unavailable', checks: { name: 'ok' | reason } }`,
 * the fields the kit's /health answers with (503 unless ok).
 */
export async function runHealthChecks(checks: Record<string, HealthCheck>): Promise<{ status: string; checks: Record<string, string> }> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => withTimeout(checks[name]!)));
  const byName = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  return { status: results.every((result) => result === 'ok') ? 'ok' : 'unavailable', checks: byName };
}

async function withTimeout(check: HealthCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(resolve, CHECK_TIMEOUT_MS, `no answer within ${CHECK_TIMEOUT_MS / 1_000} s`)));
  try {
    return await Promise.race([check().catch((err: unknown) => (err instanceof Error ? err.message : String(err))), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A PING to Redis, on a connection opened at the first check and kept. */
export function redisCheck(url: string): { check: HealthCheck; close(): void } {
  let redis: Promise<Redis> | undefined;
  return {
    check: async () => {
      redis ??= openRedis(url, 'mensageiro fleet health').catch((err: unknown) => {
        redis = undefined;
        throw err;
      });
      return (await (await redis).ping()) === 'PONG' ? 'ok' : 'Redis did not answer PONG';
    },
    close: () => void redis?.then((client) => client.disconnect(), () => {}),
  };
}
