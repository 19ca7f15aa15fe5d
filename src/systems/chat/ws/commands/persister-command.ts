import { type CliIo, UsageError, durationOption, parseOptions, positiveInteger, redactUrl } from '../../../../kit/cli/args.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { openRedis } from '../../../../kit/store/redis-client.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_MS, MAX_BATCH_SIZE, Persister } from '../roles/persister.ts';
import { StreamSource } from '../roles/persister-stream.ts';
import { BatchWriter } from '../store/batch-writer.ts';
import { DEFAULT_SCHEMA, migrate } from '../store/migrations.ts';
import { openPostgres } from '../store/pg-database.ts';
import { DEFAULT_GROUP, DEFAULT_KEY_PREFIX, streamNames } from '../store/stream-names.ts';
import { schemaOption } from './backends.ts';

const DEFAULT_REDIS = 'redis://127.0.0.1:6379';
const DEFAULT_CLAIM_IDLE_MS = 30_000;

export const PERSISTER_HELP = `usage: mensageiro chat ws persister --postgres URL [--redis ${DEFAULT_REDIS}] [--batch ${DEFAULT_BATCH_SIZE}] [--flush ${DEFAULT_FLUSH_MS / 1_000}s]

Moves accepted messages from the Redis stream <prefix>messages:stream into PostgreSQL: reads with the consumer
group (created from the stream's start if missing), writes each batch in one transaction with COPY, inserting
each message once by its id, acknowledges after the commit, and trims what every group has acknowledged.
Entries a stopped persister left pending longer than --claim-idle are taken over. Run as many as you like.
Entries that cannot be stored go to the parked_entries table. Migrates the schema on start.

  --postgres URL       PostgreSQL, as postgres://user@host:5432/db (required)
  --redis URL          Redis (default ${DEFAULT_REDIS})
  --batch N            entries per transaction, 1 to ${MAX_BATCH_SIZE} (default ${DEFAULT_BATCH_SIZE})
  --flush D            the longest an entry waits for its batch to fill, as 500ms or 5s (default ${DEFAULT_FLUSH_MS / 1_000}s)
  --claim-idle D       take over entries pending this long with another persister (default ${DEFAULT_CLAIM_IDLE_MS / 1_000}s; above --flush)
  --schema NAME        PostgreSQL schema (default ${DEFAULT_SCHEMA})
  --key-prefix P       Redis key prefix (default ${DEFAULT_KEY_PREFIX})
  --group NAME         consumer group (default ${DEFAULT_GROUP})
`;

/** A failure outside the command line (an engine unreachable): shown as is, exit code 1. */
export class PersisterCommandError extends Error {}

export async function persisterCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat ws persister --help';
  const { values } = parseOptions(argv, help, {
    postgres: { type: 'string' },
    redis: { type: 'string' },
    batch: { type: 'string' },
    flush: { type: 'string' },
    'claim-idle': { type: 'string' },
    schema: { type: 'string' },
    'key-prefix': { type: 'string' },
    group: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(PERSISTER_HELP);
    return 0;
  }
  if (values.postgres === undefined) throw new UsageError('--postgres is required, as in --postgres postgres://postgres@127.0.0.1:5432/mensageiro', help);
  const batchSize = values.batch === undefined ? DEFAULT_BATCH_SIZE : positiveInteger('--batch', values.batch, help);
  if (batchSize > MAX_BATCH_SIZE) throw new UsageError(`--batch takes at most ${MAX_BATCH_SIZE}, got ${batchSize}`, help);
  const flushMs = values.flush === undefined ? DEFAULT_FLUSH_MS : durationOption('--flush', values.flush, help);
  const claimIdleMs = values['claim-idle'] === undefined ? Math.max(DEFAULT_CLAIM_IDLE_MS, 2 * flushMs) : durationOption('--claim-idle', values['claim-idle'], help);
  if (claimIdleMs <= flushMs) throw new UsageError(`--claim-idle must be longer than --flush (${flushMs} ms), or persisters take each other's batches`, help);
  const schema = schemaOption(values.schema, help) ?? DEFAULT_SCHEMA;
  const names = streamNames(values['key-prefix'], values.group);
  const redisUrl = values.redis ?? DEFAULT_REDIS;

  const db = await openPostgres(values.postgres).catch((err: Error) => {
    throw new PersisterCommandError(err.message);
  });
  let source: StreamSource | undefined;
  try {
    await migrate(db, schema);
    const redis = await openRedis(redisUrl, 'chat-ws-persister').catch((err: Error) => {
      throw new PersisterCommandError(err.message);
    });
    source = new StreamSource(redis, names, claimIdleMs);
    await source.ensureGroup();
    const persister = new Persister(source, new BatchWriter(db, schema), { batchSize, flushMs });
    persister.start();
    io.stdout.write(
      `chat ws persister ${source.consumer}: ${names.stream} (group ${names.group}) on ${redactUrl(redisUrl)} into ${redactUrl(values.postgres)} schema ${schema}; ` +
        `batches of up to ${batchSize} or every ${flushMs} ms; Ctrl-C stops it\n`,
    );
    const signal = await untilSignal();
    await persister.stop();
    const { batches, inserted, edits, parked } = persister.totals;
    io.stdout.write(`chat ws persister: ${signal}, stopped after ${batches} batches: ${inserted} messages inserted, ${edits} edits, ${parked} parked\n`);
  } finally {
    await source?.close();
    await db.close();
  }
  return 0;
}
