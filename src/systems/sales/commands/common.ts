import type { Bus } from '../../../kit/bus/bus.ts';
import { DEFAULT_BUS_URL, createBus } from '../../../kit/bus/registry.ts';
import { QueueArgumentsError } from '../../../kit/bus/transports/amqp/topology.ts';
import { UsageError, redactUrl } from '../../../kit/cli/args.ts';
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

/** The help line of --seed-compatible, the same for every role. */
export const SEED_COMPATIBLE_HELP = `  --seed-compatible  declare the queues as the original Go balancer and worker (the MOM-vs-RPC study)
                     do (durable, no arguments), so that both can run on one RabbitMQ; the limits those queues would carry are kept in-process
`;

/**
 * --seed-compatible: the queues to declare the seed's way. RabbitMQ refuses a second declaration of a queue with
 * other arguments, and the other transports declare none.
 */
export function seedCompatibleQueues(enabled: boolean | undefined, url: string, queues: readonly string[], help: string): string[] {
  if (!enabled) return [];
  if (!/^amqps?:/.test(url)) throw new UsageError(`--seed-compatible is for RabbitMQ, where the original Go processes run; the bus here is ${redactUrl(url)}`, help);
  return [...queues];
}

/** Says which flag fits when RabbitMQ refuses a queue's declaration; any other error passes through. */
export function explainQueueArguments(err: unknown, seedCompatible: boolean | undefined): unknown {
  if (!(err instanceof QueueArgumentsError)) return err;
  const hint = seedCompatible ? 'Without --seed-compatible, this process declares it as mensageiro does.' : 'If the original Go processes declared it, start this one with --seed-compatible.';
  return new SalesCommandError(`${err.message} ${hint}`);
}

/** `plainQueues` are declared the seed's way (see seedCompatibleQueues). */
export async function openBus(url: string, plainQueues: readonly string[] = []): Promise<Bus> {
  try {
    return await createBus(url, { plainQueues });
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
