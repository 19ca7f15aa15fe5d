import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { openRedis } from '../../src/kit/store/redis-client.ts';
import { Persister } from '../../src/systems/chat/ws/roles/persister.ts';
import { StreamSource } from '../../src/systems/chat/ws/roles/persister-stream.ts';
import { BatchWriter } from '../../src/systems/chat/ws/store/batch-writer.ts';
import type { EntrySource, UnpersistedEntries } from '../../src/systems/chat/ws/store/entry-source.ts';
import { InProcessLog } from '../../src/systems/chat/ws/store/in-process-log.ts';
import type { MessageLog } from '../../src/systems/chat/ws/store/message-log.ts';
import { migrate } from '../../src/systems/chat/ws/store/migrations.ts';
import { openPostgres } from '../../src/systems/chat/ws/store/pg-database.ts';
import { openPglite } from '../../src/systems/chat/ws/store/pglite-database.ts';
import { RedisStreamLog } from '../../src/systems/chat/ws/store/redis-stream-log.ts';
import type { SqlDatabase } from '../../src/systems/chat/ws/store/sql-database.ts';
import { DEFAULT_RECOVERY_WINDOW, type RecoveryWindow, StoredHistory } from '../../src/systems/chat/ws/store/stored-history.ts';
import { StoredMessages } from '../../src/systems/chat/ws/store/stored-messages.ts';
import { type StreamNames, streamNames } from '../../src/systems/chat/ws/store/stream-names.ts';
import { StreamTail } from '../../src/systems/chat/ws/store/stream-tail.ts';
import { engine } from './engines.ts';
import { waitFor } from './wait.ts';

/** A schema name no other test uses. */
export function uniqueSchema(label: string): string {
  return `t_${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** A Redis key prefix no other test uses. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${randomUUID().slice(0, 8)}:`;
}

/** One store under test, its own schema (and stream), with the log a server appends to. */
export interface StoreUnderTest {
  schema: string;
  db: SqlDatabase;
  log: MessageLog;
  writer: BatchWriter;
  /** History as a server reads it, with the default recovery window or another. */
  history(window?: RecoveryWindow): StoredHistory;
  /** Runs a persister until everything appended so far is committed, then stops it. */
  persistAll(): Promise<void>;
}

/** The cluster's store (Redis stream + PostgreSQL) and the embedded one (in-process log + PGlite): the history suite runs unchanged on each. */
export class StoreFixture {
  readonly #cleanups: Array<() => Promise<void>> = [];
  #pglite: Promise<SqlDatabase> | undefined;

  constructor(
    readonly name: 'cluster' | 'embedded',
    readonly skip: string | undefined,
    private readonly urls: { redis?: string; postgres?: string } = {},
  ) {}

  async open(label: string): Promise<StoreUnderTest> {
    return this.name === 'cluster' ? this.#cluster(label) : this.#embedded(label);
  }

  async cleanup(): Promise<void> {
    for (const step of this.#cleanups.splice(0).reverse()) await step().catch(() => {});
  }

  /** After the last test: the shared PGlite. */
  async close(): Promise<void> {
    await (await this.#pglite)?.close();
  }

  async #cluster(label: string): Promise<StoreUnderTest> {
    const schema = uniqueSchema(label);
    const names = streamNames(uniquePrefix(label));
    const db = await openPostgres(this.urls.postgres!);
    const redis = await openRedis(this.urls.redis!, 'chat-ws-test', { autoPipelining: true });
    this.#cleanups.push(async () => {
      await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
      await redis.del(names.stream);
      redis.disconnect();
    });
    await migrate(db, schema);
    const tail = new StreamTail(redis, names.stream);
    const persistAll = async () => {
      const source = new StreamSource(await openRedis(this.urls.redis!, 'chat-ws-test-persister'), names, 60_000);
      await source.ensureGroup();
      await runUntil(source, new BatchWriter(db, schema), () => streamDrained(redis, names));
      await source.close();
    };
    return this.#store(schema, db, new RedisStreamLog(redis, names), tail, persistAll);
  }

  async #embedded(label: string): Promise<StoreUnderTest> {
    this.#pglite ??= openPglite();
    const db = await this.#pglite;
    const schema = uniqueSchema(label);
    this.#cleanups.push(() => db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    await migrate(db, schema);
    const log = new InProcessLog(10_000);
    const persistAll = () => runUntil(log, new BatchWriter(db, schema), async () => log.size === 0);
    return this.#store(schema, db, log, log, persistAll);
  }

  #store(schema: string, db: SqlDatabase, log: MessageLog, tail: UnpersistedEntries, persistAll: () => Promise<void>): StoreUnderTest {
    const stored = new StoredMessages(db, schema);
    return { schema, db, log, writer: new BatchWriter(db, schema), history: (window = DEFAULT_RECOVERY_WINDOW) => new StoredHistory(stored, tail, window), persistAll };
  }
}

async function runUntil(source: EntrySource, writer: BatchWriter, done: () => Promise<boolean>): Promise<void> {
  const persister = new Persister(source, writer, { batchSize: 50, flushMs: 20 });
  persister.start();
  try {
    await waitFor(done, 'the persister to commit everything appended', 20_000);
  } finally {
    await persister.stop();
  }
}

/** Every entry delivered to the group and acknowledged. */
export async function streamDrained(redis: Redis, names: StreamNames): Promise<boolean> {
  const stream = Object.fromEntries(chunks((await redis.xinfo('STREAM', names.stream)) as unknown[]));
  const groups = ((await redis.xinfo('GROUPS', names.stream)) as unknown[][]).map((flat) => Object.fromEntries(chunks(flat)));
  const group = groups.find((info) => info.name === names.group);
  return group !== undefined && group.pending === 0 && group['last-delivered-id'] === stream['last-generated-id'];
}

function chunks(flat: unknown[]): [unknown, unknown][] {
  const pairs: [unknown, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  return pairs;
}

export function storeFixtures(): StoreFixture[] {
  const redis = engine('redis');
  const postgres = engine('postgres');
  return [new StoreFixture('cluster', redis.skip ?? postgres.skip, { redis: redis.url, postgres: postgres.url }), new StoreFixture('embedded', undefined)];
}
