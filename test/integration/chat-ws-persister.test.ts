import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { openRedis } from '../../src/kit/store/redis-client.ts';
import { type RoomMessage, newMessageId } from '../../src/systems/chat/ws/domain/room-message.ts';
import { Persister } from '../../src/systems/chat/ws/roles/persister.ts';
import { StreamSource } from '../../src/systems/chat/ws/roles/persister-stream.ts';
import { BatchWriter } from '../../src/systems/chat/ws/store/batch-writer.ts';
import { MessageLogFullError } from '../../src/systems/chat/ws/store/message-log.ts';
import { migrate } from '../../src/systems/chat/ws/store/migrations.ts';
import { openPostgres } from '../../src/systems/chat/ws/store/pg-database.ts';
import { RedisStreamLog } from '../../src/systems/chat/ws/store/redis-stream-log.ts';
import type { SqlDatabase } from '../../src/systems/chat/ws/store/sql-database.ts';
import { type StreamNames, streamNames } from '../../src/systems/chat/ws/store/stream-names.ts';
import { streamDrained, uniquePrefix, uniqueSchema } from '../helpers/chat-ws-stores.ts';
import { exitOf, startCli, stopGracefully } from '../helpers/cli-process.ts';
import { engine } from '../helpers/engines.ts';
import { waitFor } from '../helpers/wait.ts';

const redisEngine = engine('redis');
const postgresEngine = engine('postgres');

function message(room: string, n: number): RoomMessage {
  const createdAt = Date.now();
  return { messageId: newMessageId(createdAt), room, userId: `u${n % 7}`, username: `user ${n % 7}`, payload: { message: `m${n}`, type: 'text' }, metadata: { room }, createdAt };
}

describe('chat ws persister', { skip: redisEngine.skip ?? postgresEngine.skip, timeout: 180_000 }, () => {
  let db: SqlDatabase;
  let redis: Redis;
  const cleanups: Array<() => Promise<void>> = [];

  before(async () => {
    db = await openPostgres(postgresEngine.url!);
    redis = await openRedis(redisEngine.url!, 'chat-ws-test', { autoPipelining: true });
  });
  afterEach(async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => {});
  });
  after(async () => {
    await db.close();
    redis.disconnect();
  });

  /** A schema and a stream of this test's own, cleaned up after it. */
  async function isolated(label: string): Promise<{ schema: string; prefix: string; names: StreamNames }> {
    const schema = uniqueSchema(label);
    const prefix = uniquePrefix(label);
    const names = streamNames(prefix);
    cleanups.push(async () => {
      await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await redis.del(names.stream);
    });
    await migrate(db, schema);
    return { schema, prefix, names };
  }

  async function source(names: StreamNames, claimIdleMs = 60_000): Promise<StreamSource> {
    const created = new StreamSource(await openRedis(redisEngine.url!, 'chat-ws-test-persister'), names, claimIdleMs);
    cleanups.push(() => created.close());
    await created.ensureGroup();
    return created;
  }

  const count = async (sql: string): Promise<number> => (await db.query<{ n: number }>(sql))[0]!.n;

  it('writes every appended message into PostgreSQL once; room_stats counts them; recent_messages shows them; the stream is trimmed', async () => {
    const { schema, names } = await isolated('once');
    const log = new RedisStreamLog(redis, names);
    const rooms = ['a', 'b', 'c'];
    const sent = Array.from({ length: 1_000 }, (_, i) => message(rooms[i % 3]!, i));
    await Promise.all(sent.map((m) => log.append({ kind: 'message', message: m })));

    const persister = new Persister(await source(names), new BatchWriter(db, schema), { batchSize: 100, flushMs: 50 });
    persister.start();
    await waitFor(() => streamDrained(redis, names), 'the stream to be persisted', 30_000);
    await persister.stop();

    assert.equal(await count(`SELECT count(*)::int AS n FROM ${schema}.messages`), 1_000);
    assert.equal(await count(`SELECT count(DISTINCT message_id)::int AS n FROM ${schema}.messages`), 1_000);
    assert.deepEqual(persister.totals, { batches: 10, entries: 1_000, inserted: 1_000, edits: 0, parked: 0 });
    const stats = await db.query<{ room_name: string; total_messages: string }>(`SELECT room_name, total_messages FROM ${schema}.room_stats ORDER BY room_name`);
    assert.deepEqual(stats.map((r) => [r.room_name, Number(r.total_messages)]), [['a', 334], ['b', 333], ['c', 333]]);
    const recent = await db.query<{ message_id: string; room_total_messages: string; payload: { message: string } }>(
      `SELECT message_id, room_total_messages, payload FROM ${schema}.recent_messages WHERE room_name = 'b' LIMIT 1`,
    );
    const newestOfB = sent.filter((m) => m.room === 'b').at(-1)!;
    assert.equal(recent[0]!.message_id, newestOfB.messageId);
    assert.equal(recent[0]!.payload.message, newestOfB.payload.message);
    assert.equal(Number(recent[0]!.room_total_messages), 333);
    assert.equal(await redis.xlen(names.stream), 0, 'persisted entries are trimmed from the stream');
  });

  it('a redelivered batch inserts nothing twice: committed but never acknowledged, then taken over', async () => {
    const { schema, names } = await isolated('redelivered');
    const log = new RedisStreamLog(redis, names);
    for (let i = 0; i < 200; i++) await log.append({ kind: 'message', message: message('r', i) });

    // The first persister commits and dies before its XACK.
    const first = await source(names);
    const read = await first.read(500, 100);
    assert.equal(read.length, 200);
    assert.equal((await new BatchWriter(db, schema).write(read)).inserted, 200);
    const pending = (await redis.xpending(names.stream, names.group)) as [number, ...unknown[]];
    assert.equal(pending[0], 200);

    const second = new Persister(await source(names, 200), new BatchWriter(db, schema), { batchSize: 500, flushMs: 50 });
    second.start();
    await waitFor(() => streamDrained(redis, names), 'the second persister to take the entries over', 30_000);
    await second.stop();

    assert.equal(second.totals.entries, 200, 'all 200 came again');
    assert.equal(second.totals.inserted, 0);
    assert.equal(await count(`SELECT count(*)::int AS n FROM ${schema}.messages`), 200);
    assert.equal(await count(`SELECT total_messages::int AS n FROM ${schema}.room_stats WHERE room_name = 'r'`), 200, 'the trigger counts rows inserted, not rows offered');
  });

  it('after kill -9 of a persister process holding a batch, another takes its pending entries over: every message once', async () => {
    const { schema, prefix, names } = await isolated('kill');
    const log = new RedisStreamLog(redis, names);
    const common = ['chat', 'ws', 'persister', '--postgres', postgresEngine.url!, '--redis', redisEngine.url!, '--schema', schema, '--key-prefix', prefix];
    for (let i = 0; i < 2_500; i++) await log.append({ kind: 'message', message: message(`r${i % 5}`, i) });

    // Batches of 1,000 and a long flush: two batches written, the last 500 read and held when it dies.
    const doomed = startCli([...common, '--batch', '1000', '--flush', '60s', '--claim-idle', '120s']);
    await waitFor(() => doomed.output().includes('Ctrl-C stops it'), 'the first persister to start', 30_000);
    await waitFor(async () => (await count(`SELECT count(*)::int AS n FROM ${schema}.messages`)) === 2_000, 'two batches committed', 30_000);
    await waitFor(async () => ((await redis.xpending(names.stream, names.group)) as [number])[0] === 500, 'the third batch read', 30_000);
    doomed.kill('SIGKILL');
    await exitOf(doomed);
    for (let i = 2_500; i < 3_000; i++) await log.append({ kind: 'message', message: message(`r${i % 5}`, i) });

    const heir = startCli([...common, '--batch', '1000', '--flush', '100ms', '--claim-idle', '1s'], { MENSAGEIRO_LOG_LEVEL: 'info' });
    cleanups.push(async () => void (await stopGracefully(heir)));
    await waitFor(() => streamDrained(redis, names), 'the second persister to drain the stream', 60_000);
    assert.match(heir.output(), /took over entries a stopped persister left/);
    assert.equal(await count(`SELECT count(*)::int AS n FROM ${schema}.messages`), 3_000);
    assert.equal(await count(`SELECT count(DISTINCT message_id)::int AS n FROM ${schema}.messages`), 3_000);
    assert.equal(await count(`SELECT sum(total_messages)::int AS n FROM ${schema}.room_stats`), 3_000);
    assert.equal(await stopGracefully(heir), 0);
    assert.match(heir.output(), /stopped after \d+ batches: \d+ messages inserted/);
  });

  it('parks entries that cannot be read, acknowledges them, and stores the rest', async () => {
    const { schema, names } = await isolated('parked');
    const log = new RedisStreamLog(redis, names);
    const good = message('r', 1);
    await log.append({ kind: 'message', message: good });
    await redis.xadd(names.stream, '*', 'kind', 'message', 'message_id', newMessageId(), 'room_name', 'r', 'payload', '{not json', 'created_at', '1');
    await redis.xadd(names.stream, '*', 'kind', 'shout', 'message_id', newMessageId(), 'room_name', 'r', 'payload', '{}', 'created_at', '1');

    const persister = new Persister(await source(names), new BatchWriter(db, schema), { batchSize: 10, flushMs: 50 });
    persister.start();
    await waitFor(() => streamDrained(redis, names), 'the stream to be persisted', 30_000);
    await persister.stop();

    assert.deepEqual((await db.query<{ message_id: string }>(`SELECT message_id FROM ${schema}.messages`)).map((r) => r.message_id), [good.messageId]);
    const parked = await db.query<{ reason: string; fields: Record<string, string> }>(`SELECT reason, fields FROM ${schema}.parked_entries ORDER BY id`);
    assert.equal(parked.length, 2);
    assert.match(parked[0]!.reason, /payload is not JSON/);
    assert.equal(parked[0]!.fields.payload, '{not json');
    assert.match(parked[1]!.reason, /kind "shout"/);
  });

  it('refuses an append when the stream holds its bound of unpersisted entries, and takes it once they are persisted', async () => {
    const { schema, names } = await isolated('full');
    const log = new RedisStreamLog(redis, names, 5);
    for (let i = 0; i < 5; i++) await log.append({ kind: 'message', message: message('r', i) });
    await assert.rejects(log.append({ kind: 'message', message: message('r', 5) }), MessageLogFullError);
    assert.equal(await redis.xlen(names.stream), 5, 'nothing older was dropped to make room');

    const persister = new Persister(await source(names), new BatchWriter(db, schema), { batchSize: 100, flushMs: 20 });
    persister.start();
    await waitFor(() => streamDrained(redis, names), 'the five to be persisted', 30_000);
    await persister.stop();
    await log.append({ kind: 'message', message: message('r', 6) });
    assert.equal(await count(`SELECT count(*)::int AS n FROM ${schema}.messages`), 5);
  });
});
