import type { FastifyInstance } from 'fastify';
import { UsageError, portOption } from '../../../kit/cli/args.ts';
import { closeHttpServer, createHttpServer } from '../../../kit/observe/http-server.ts';
import { listenError } from '../../../kit/observe/listen-error.ts';
import type { DriverIndex } from '../store/driver-index.ts';
import { openDriverIndex } from '../store/open-driver-index.ts';
import { FleetCommandError } from './fleet-command-error.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The --metrics-port line of a help text whose descriptions start at `column`. */
export function metricsOptionHelp(column: number): string {
  return `${'  --metrics-port N'.padEnd(column)}serve /metrics (Prometheus) and /health on this port (default: none)\n`;
}

/** /metrics and /health on `port` when one is given; resolves with what stops it. */
export async function serveMetrics(port: string | undefined, command: string): Promise<() => Promise<void>> {
  if (port === undefined) return async () => {};
  const where = { port: portOption('--metrics-port', port, `${command} --help`), host: '0.0.0.0', command };
  const app: FastifyInstance = createHttpServer();
  try {
    await app.listen({ port: where.port, host: where.host });
  } catch (err) {
    await app.close();
    throw listenError(err, where);
  }
  return () => closeHttpServer(app);
}

/** A Redis URL from --redis, else MENSAGEIRO_REDIS_URL, else the local one; `memory://` only where `memory` allows it. */
export function redisUrl(value: string | undefined, help: string, memory = false): string {
  const url = value ?? process.env.MENSAGEIRO_REDIS_URL ?? DEFAULT_REDIS_URL;
  if (memory && url === 'memory://') return url;
  if (!/^(redis|rediss|redis\+unix):\/\//.test(url)) throw new UsageError(`--redis takes a redis:// URL${memory ? ' or memory://' : ''}, got "${url}"`, help);
  return url;
}

/** The driver index a URL names (memory:// or redis://…), or a FleetCommandError that says how to get one. */
export async function openIndexOrExplain(url: string, key: string): Promise<DriverIndex> {
  try {
    return await openDriverIndex(url, key);
  } catch (err) {
    throw new FleetCommandError((err as Error).message);
  }
}
