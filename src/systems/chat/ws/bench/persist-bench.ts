import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { watchHostSteal } from '../../../../kit/observe/host-steal.ts';
import { openRedis } from '../../../../kit/store/redis-client.ts';
import { type RoomMessage, newMessageId } from '../domain/room-message.ts';
import { Persister } from '../roles/persister.ts';
import { StreamSource } from '../roles/persister-stream.ts';
import { BatchWriter } from '../store/batch-writer.ts';
import { chunked, copyRow } from '../store/copy-text.ts';
import { migrate } from '../store/migrations.ts';
import { openPostgres } from '../store/pg-database.ts';
import type { SqlDatabase } from '../store/sql-database.ts';
import { encodeEntry } from '../store/stream-fields.ts';
import { streamNames } from '../store/stream-names.ts';

export interface PersistBenchOptions {
  redisUrl: string;
  postgresUrl: string;
  /** Messages pre-filled into the stream for each run. */
  messages: number;
  batchSizes: number[];
  /** Persisters draining the stream side by side (in this process, each with its own connections). */
  persisters: number;
  /** Pairs per batch size: the stream run and the floor, which goes first alternating. */
  pairs: number;
  rooms?: number;
}

export interface PersistRun {
  kind: 'stream' | 'floor';
  batchSize: number;
  pair: number;
  seconds: number;
  /** Messages a second, from the start of the draining to the last commit. */
  rate: number;
  rows: number;
  distinct: number;
  stealSeconds: number | undefined;
  /** CPU seconds this process (the persisters, or the floor's COPY) and Redis spent over the timed part. */
  nodeCpuSeconds: number;
  redisCpuSeconds: number;
}

/**
 * `persistence: ≥ 50,000 messages/s from the stream into PostgreSQL through COPY, none lost`. Each stream run
 * pre-fills a stream of its own with `messages` entries (pipelined XADD, not timed), then times `persisters`
 * persisters draining it into a schema of its own until every entry is committed and acknowledged, and counts
 * the rows (all there, none twice). The floor writes the same rows with a bare pg-copy-streams COPY straight
 * into the same table, in transactions of the same size, on one connection: no Redis, no staging table, no
 * ON CONFLICT; the room_stats trigger runs in both. Pairs alternate which goes first.
 */
export async function runPersistBench(options: PersistBenchOptions, onRun: (run: PersistRun) => void = () => {}): Promise<PersistRun[]> {
  const messages = benchMessages(options.messages, options.rooms ?? 20);
  const db = await openPostgres(options.postgresUrl);
  const redis = await openRedis(options.redisUrl, 'chat-ws-bench');
  const runs: PersistRun[] = [];
  try {
    for (const batchSize of options.batchSizes) {
      for (let pair = 1; pair <= options.pairs; pair++) {
        const order = pair % 2 === 1 ? (['stream', 'floor'] as const) : (['floor', 'stream'] as const);
        for (const kind of order) {
          const run = kind === 'stream' ? await streamRun(options, db, redis, messages, batchSize, pair) : await floorRun(options, db, redis, messages, batchSize, pair);
          runs.push(run);
          onRun(run);
        }
      }
    }
  } finally {
    redis.disconnect();
    await db.close();
  }
  return runs;
}

async function streamRun(options: PersistBenchOptions, db: SqlDatabase, redis: Redis, messages: RoomMessage[], batchSize: number, pair: number): Promise<PersistRun> {
  return inFreshSchema(db, async (schema) => {
    const names = streamNames(`bench:${randomUUID().slice(0, 8)}:`);
    try {
      for (let i = 0; i < messages.length; i += 1_000) {
        const fill = redis.pipeline();
        for (const message of messages.slice(i, i + 1_000)) fill.xadd(names.stream, '*', ...encodeEntry({ kind: 'message', message }));
        await fill.exec();
      }
      const persisters: Persister[] = [];
      const sources: StreamSource[] = [];
      for (let i = 0; i < options.persisters; i++) {
        const source = new StreamSource(await openRedis(options.redisUrl, 'chat-ws-bench-persister'), names, 60_000);
        await source.ensureGroup();
        sources.push(source);
        persisters.push(new Persister(source, new BatchWriter(db, schema), { batchSize, flushMs: 100 }));
      }
      const cost = await watchCost(redis);
      for (const persister of persisters) persister.start();
      while (persisters.reduce((sum, p) => sum + p.totals.entries, 0) < messages.length) await new Promise((resolve) => setTimeout(resolve, 2));
      const measured = await cost.stop(messages.length);
      await Promise.all(persisters.map((p) => p.stop()));
      await Promise.all(sources.map((s) => s.close()));
      return { kind: 'stream', batchSize, pair, ...measured, ...(await counted(db, schema)) };
    } finally {
      await redis.del(names.stream);
    }
  });
}

async function floorRun(options: PersistBenchOptions, db: SqlDatabase, redis: Redis, messages: RoomMessage[], batchSize: number, pair: number): Promise<PersistRun> {
  const rows = messages.map((m) => copyRow([m.messageId, m.room, m.userId, m.username, JSON.stringify(m.payload), JSON.stringify(m.metadata), new Date(m.createdAt).toISOString()]));
  return inFreshSchema(db, async (schema) => {
    const client = new pg.Client({ connectionString: options.postgresUrl });
    await client.connect();
    try {
      const cost = await watchCost(redis);
      for (let i = 0; i < rows.length; i += batchSize) {
        await client.query('BEGIN');
        const copy = client.query(copyFrom(`COPY "${schema}".messages (message_id, room_name, user_id, username, payload, metadata, created_at) FROM STDIN`));
        await pipeline(Readable.from(chunked(rows.slice(i, i + batchSize))), copy);
        await client.query('COMMIT');
      }
      return { kind: 'floor', batchSize, pair, ...(await cost.stop(messages.length)), ...(await counted(db, schema)) };
    } finally {
      await client.end();
    }
  });
}

/** Wall time, host steal, and the CPU time of this process and of Redis, from now to stop(). */
async function watchCost(redis: Redis): Promise<{ stop(messages: number): Promise<Pick<PersistRun, 'seconds' | 'rate' | 'stealSeconds' | 'nodeCpuSeconds' | 'redisCpuSeconds'>> }> {
  const redisCpu = async () => {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return field('used_cpu_user') + field('used_cpu_sys');
  };
  const redisBefore = await redisCpu();
  const steal = watchHostSteal();
  const cpu = process.cpuUsage();
  const started = performance.now();
  return {
    async stop(messages) {
      const seconds = (performance.now() - started) / 1_000;
      const used = process.cpuUsage(cpu);
      const stealSeconds = steal.stop();
      return { seconds, rate: messages / seconds, stealSeconds, nodeCpuSeconds: (used.user + used.system) / 1e6, redisCpuSeconds: (await redisCpu()) - redisBefore };
    },
  };
}

async function inFreshSchema<T>(db: SqlDatabase, run: (schema: string) => Promise<T>): Promise<T> {
  const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await migrate(db, schema);
  try {
    return await run(schema);
  } finally {
    await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}

async function counted(db: SqlDatabase, schema: string): Promise<{ rows: number; distinct: number }> {
  const [row] = await db.query<{ rows: number; distinct: number }>(`SELECT count(*)::int AS rows, count(DISTINCT message_id)::int AS distinct FROM "${schema}".messages`);
  return row!;
}

/** Chat-sized messages (about 300 bytes on the stream) spread over `rooms` rooms and 50 users. */
function benchMessages(count: number, rooms: number): RoomMessage[] {
  const start = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const room = `room-${i % rooms}`;
    const createdAt = start + Math.floor(i / 50);
    return {
      messageId: newMessageId(createdAt),
      room,
      userId: `user-${i % 50}`,
      username: `User ${i % 50}`,
      payload: { message: `message ${i}: the quick brown fox jumps over the lazy dog`, type: 'text' },
      metadata: { room, createdAt: new Date(createdAt).toISOString(), subscriberCount: 40, presenceCount: 12 },
      createdAt,
    };
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** One line per run, then per batch size the medians and the stream / floor ratio. */
export function formatPersistTable(runs: PersistRun[], expected: number): string {
  const lines = ['batch  pair  run     msg/s     seconds  rows      distinct  lost  steal s  node cpu s  redis cpu s'];
  for (const r of runs) {
    const lost = expected - r.distinct;
    lines.push(
      `${String(r.batchSize).padStart(5)}  ${String(r.pair).padStart(4)}  ${r.kind.padEnd(6)}  ${Math.round(r.rate).toLocaleString('en-US').padStart(8)}  ${r.seconds.toFixed(2).padStart(7)}` +
        `  ${String(r.rows).padStart(8)}  ${String(r.distinct).padStart(8)}  ${String(lost).padStart(4)}  ${(r.stealSeconds === undefined ? 'n/a' : r.stealSeconds.toFixed(2)).padStart(7)}` +
        `  ${r.nodeCpuSeconds.toFixed(2).padStart(10)}  ${r.redisCpuSeconds.toFixed(2).padStart(11)}`,
    );
  }
  lines.push('', 'batch  stream msg/s (median)  floor msg/s (median)  stream / floor (median of pairs)');
  for (const batchSize of [...new Set(runs.map((r) => r.batchSize))]) {
    const of = (kind: PersistRun['kind']) => runs.filter((r) => r.batchSize === batchSize && r.kind === kind);
    const ratios = of('stream').map((s) => s.rate / of('floor').find((f) => f.pair === s.pair)!.rate);
    lines.push(
      `${String(batchSize).padStart(5)}  ${Math.round(median(of('stream').map((r) => r.rate))).toLocaleString('en-US').padStart(21)}` +
        `  ${Math.round(median(of('floor').map((r) => r.rate))).toLocaleString('en-US').padStart(20)}  ${median(ratios).toFixed(2).padStart(32)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
