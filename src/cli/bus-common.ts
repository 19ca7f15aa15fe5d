import type { Bus } from '../kit/bus/bus.ts';
import { DEFAULT_BUS_URL, createBus } from '../kit/bus/registry.ts';
import { redactUrl } from '../kit/cli/args.ts';

/** The bus could not be opened on the URL: the message names the URL and what to check. Exit code 1. */
export class EngineError extends Error {}

export async function openBus(url: string): Promise<Bus> {
  try {
    return await createBus(url);
  } catch (err) {
    throw new EngineError(`cannot open the bus at ${redactUrl(url)} (${reason(err)}). Check that the engine is running and reachable there, or pass another --url.`);
  }
}

export function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** --url, else MENSAGEIRO_BUS_URL, else the in-process bus. */
export function busUrl(flag: string | undefined): string {
  return flag ?? process.env.MENSAGEIRO_BUS_URL ?? DEFAULT_BUS_URL;
}
