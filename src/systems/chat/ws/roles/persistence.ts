import { openRedis } from '../../../../kit/store/redis-client.ts';
import { BatchWriter } from '../store/batch-writer.ts';
import { InProcessLog } from '../store/in-process-log.ts';
import type { MessageHistory, MessageLog } from '../store/message-log.ts';
import { DEFAULT_SCHEMA, migrate } from '../store/migrations.ts';
import { openPostgres } from '../store/pg-database.ts';
import { openPglite } from '../store/pglite-database.ts';
import { RedisStreamLog } from '../store/redis-stream-log.ts';
import { StoredHistory } from '../store/stored-history.ts';
import { StoredMessages } from '../store/stored-messages.ts';
import { streamNames } from '../store/stream-names.ts';
import { StreamTail } from '../store/stream-tail.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_MS, Persister } from './persister.ts';

/** What a WebSocket server needs from persistence: where accepted messages go, and where history comes from. */
export interface ChatPersistence {
  log: MessageLog;
  history: MessageHistory;
  /** One line for the start-up message: where messages go. */
  description: string;
  /** Embedded: writes what the log still holds first. */
  close(): Promise<void>;
}

export interface PersistenceOptions {
  /** With postgresUrl: the cluster's stream. Neither: embedded mode. */
  redisUrl?: string;
  postgresUrl?: string;
  /** PostgreSQL schema (tests each take their own). */
  schema?: string;
  /** Redis keys start with it (default `gosocket:`). */
  keyPrefix?: string;
  /** Entries the log may hold before PostgreSQL has them; past it an append is refused. */
  maxLogLength?: number;
  /** Embedded: the directory PGlite keeps its files in; in memory when absent. */
  dataDir?: string;
  /** Embedded: the in-process persister's batch. */
  batchSize?: number;
  flushMs?: number;
}

/**
 * Chosen once, here: with Redis and PostgreSQL URLs a server appends to the Redis stream (persister processes
 * move it into PostgreSQL) and reads history from both; with neither, the whole thing runs in this process: an
 * in-process log, PGlite as the database, and a persister moving one into the other.
 */
export async function openPersistence(options: PersistenceOptions = {}): Promise<ChatPersistence> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (options.redisUrl !== undefined && options.postgresUrl !== undefined) return openCluster(options.redisUrl, options.postgresUrl, schema, options);
  if (options.redisUrl !== undefined || options.postgresUrl !== undefined) throw new TypeError('give both a Redis and a PostgreSQL URL, or neither for embedded mode');
  return openEmbedded(schema, options);
}

async function openCluster(redisUrl: string, postgresUrl: string, schema: string, options: PersistenceOptions): Promise<ChatPersistence> {
  const db = await openPostgres(postgresUrl);
  try {
    await migrate(db, schema);
  } catch (err) {
    await db.close();
    throw err;
  }
  const redis = await openRedis(redisUrl, 'chat-ws-log', { autoPipelining: true }).catch(async (err: unknown) => {
    await db.close();
    throw err;
  });
  const names = streamNames(options.keyPrefix);
  return {
    log: new RedisStreamLog(redis, names, options.maxLogLength),
    history: new StoredHistory(new StoredMessages(db, schema), new StreamTail(redis, names.stream)),
    description: `Redis stream ${names.stream}, PostgreSQL schema ${schema}`,
    async close() {
      redis.disconnect();
      await db.close();
    },
  };
}

async function openEmbedded(schema: string, options: PersistenceOptions): Promise<ChatPersistence> {
  const db = await openPglite(options.dataDir);
  try {
    await migrate(db, schema);
  } catch (err) {
    await db.close();
    throw err;
  }
  const log = new InProcessLog(options.maxLogLength);
  const persister = new Persister(log, new BatchWriter(db, schema), { batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE, flushMs: options.flushMs ?? DEFAULT_FLUSH_MS });
  persister.start();
  return {
    log,
    history: new StoredHistory(new StoredMessages(db, schema), log),
    description: `embedded: PGlite ${options.dataDir ? `in ${options.dataDir}` : 'in memory'}, schema ${schema}`,
    async close() {
      await log.close();
      await persister.stop(true);
      await db.close();
    },
  };
}
