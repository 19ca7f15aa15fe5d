import type { Bus } from '../../../kit/bus/bus.ts';
import { DEFAULT_BUS_URL, createBus } from '../../../kit/bus/registry.ts';
import { redactUrl } from '../../../kit/cli/args.ts';
import { DEFAULT_DB_PATH } from '../store/ensure-database.ts';

/** A failure outside the user's command line (an engine down, a missing file): exit code 1, with what to do. */
export class SalesCommandError extends Error {}

/** --bus, else the seed's RABBITMQ_URL, else MENSAGEIRO_BUS_URL, else the in-process bus. */
export function busUrl(flag: string | undefined): string {
  return flag ?? process.env.RABBITMQ_URL ?? process.env.MENSAGEIRO_BUS_URL ?? DEFAULT_BUS_URL;
}

/** --db, else the seed's DB_PATH, else data/sales.db. */
export function dbPath(flag: string | undefined): string {
  return flag ?? process.env.DB_PATH ?? DEFAULT_DB_PATH;
}

export async function openBus(url: string): Promise<Bus> {
  try {
    return await createBus(url);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SalesCommandError(`cannot open the bus at ${redactUrl(url)} (${reason}). Check that the engine is running there, or pass another --bus.`);
  }
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
