import { UsageError, durationOption, positiveInteger, redactUrl } from '../../../kit/cli/args.ts';
import { type AmqpTopology, FLEET_TOPOLOGY } from '../roles/amqp-outbox-publisher.ts';
import { DEFAULT_RELAY_OPTIONS, type RelayOptions } from '../roles/outbox-relay.ts';
import { DEFAULT_SCHEMA } from '../store/fleet-stores.ts';
import { checkSchemaName } from '../store/sql-database.ts';

/** A failure outside the command line (an engine down, a port taken): exit code 1, with what to do. */
export class FleetCommandError extends Error {}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** The options every role on PostgreSQL and RabbitMQ shares, as parseArgs specs and their help lines. */
export const ENGINE_OPTION_SPECS = {
  postgres: { type: 'string' },
  'pool-size': { type: 'string' },
  schema: { type: 'string' },
  amqp: { type: 'string' },
  exchange: { type: 'string' },
  queue: { type: 'string' },
} as const;

export const ENGINE_OPTION_HELP = `  --postgres URL        PostgreSQL (default: $MENSAGEIRO_POSTGRES_URL, else ${DEFAULT_POSTGRES_URL})
  --pool-size N         connections to PostgreSQL (default 10)
  --schema NAME         the schema fleet's tables live in, created and migrated at start (default ${DEFAULT_SCHEMA})
  --amqp URL            RabbitMQ (default: $MENSAGEIRO_AMQP_URL, else ${DEFAULT_AMQP_URL})
  --exchange NAME       the direct exchange events go through (default ${FLEET_TOPOLOGY.exchange})
  --queue NAME          the worker's queue, bound to it with key ${FLEET_TOPOLOGY.routingKey} (default ${FLEET_TOPOLOGY.queue})
`;

type EngineValues = { [K in keyof typeof ENGINE_OPTION_SPECS]?: string };

export interface EngineSettings {
  postgres: string;
  poolSize?: number;
  schema: string;
  amqp: string;
  topology: AmqpTopology;
}

export function engineSettings(values: EngineValues, help: string): EngineSettings {
  const schema = values.schema ?? DEFAULT_SCHEMA;
  try {
    checkSchemaName(schema);
  } catch (err) {
    throw new UsageError(`--schema: ${(err as Error).message}`, help);
  }
  return {
    postgres: engineUrl('--postgres', values.postgres ?? process.env.MENSAGEIRO_POSTGRES_URL ?? DEFAULT_POSTGRES_URL, ['postgres:', 'postgresql:'], help),
    poolSize: values['pool-size'] === undefined ? undefined : positiveInteger('--pool-size', values['pool-size'], help),
    schema,
    amqp: engineUrl('--amqp', values.amqp ?? process.env.MENSAGEIRO_AMQP_URL ?? DEFAULT_AMQP_URL, ['amqp:', 'amqps:'], help),
    topology: { exchange: values.exchange ?? FLEET_TOPOLOGY.exchange, queue: values.queue ?? FLEET_TOPOLOGY.queue, routingKey: FLEET_TOPOLOGY.routingKey },
  };
}

export const RELAY_OPTION_SPECS = {
  batch: { type: 'string' },
  poll: { type: 'string' },
  'max-attempts': { type: 'string' },
  'stuck-after': { type: 'string' },
  'janitor-every': { type: 'string' },
  retain: { type: 'string' },
} as const;

export const RELAY_OPTION_HELP = `  --batch N             outbox rows claimed at once (default ${DEFAULT_RELAY_OPTIONS.batchSize})
  --poll D              how often it looks for rows when no NOTIFY wakes it (default ${DEFAULT_RELAY_OPTIONS.pollMs}ms)
  --max-attempts N      publishes of one row before it is FAILED (default ${DEFAULT_RELAY_OPTIONS.retry.maxAttempts})
  --janitor-every D     how often stuck rows are reset and old ones deleted (default 5m)
  --stuck-after D       a row PROCESSING this long was left by a dead relay: back to PENDING (default 5m)
  --retain D            PUBLISHED and FAILED rows are deleted after this (default 168h, 7 days)
`;

type RelayValues = { [K in keyof typeof RELAY_OPTION_SPECS]?: string };

export function relaySettings(values: RelayValues, help: string): Partial<RelayOptions> {
  const defaults = DEFAULT_RELAY_OPTIONS;
  const duration = (flag: keyof RelayValues, fallback: number) => (values[flag] === undefined ? fallback : durationOption(`--${flag}`, values[flag], help));
  return {
    batchSize: values.batch === undefined ? defaults.batchSize : positiveInteger('--batch', values.batch, help),
    pollMs: duration('poll', defaults.pollMs),
    retry: { ...defaults.retry, maxAttempts: values['max-attempts'] === undefined ? defaults.retry.maxAttempts : positiveInteger('--max-attempts', values['max-attempts'], help) },
    janitorEveryMs: duration('janitor-every', defaults.janitorEveryMs),
    stuckAfterMs: duration('stuck-after', defaults.stuckAfterMs),
    retainMs: duration('retain', defaults.retainMs),
  };
}

export function engineUrl(flag: string, value: string, schemes: string[], help: string): string {
  try {
    if (schemes.includes(new URL(value).protocol)) return value;
  } catch {
    // reported below
  }
  throw new UsageError(`${flag} takes a ${schemes[0]}// URL, got "${redactUrl(value)}"`, help);
}
