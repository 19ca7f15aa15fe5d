import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createEnvelope } from '../../src/kit/bus/envelope.ts';
import type { Transport } from '../../src/kit/bus/transport.ts';
import { coalesceThisTick } from '../../src/kit/bus/transports/redis/coalesce-writes.ts';
import { createRedisTransport } from '../../src/kit/bus/transports/redis/index.ts';
import { engine } from '../helpers/engines.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';

/**
 * The Redis transport corks its command connection until the end of the tick (coalesce-writes.ts), so the
 * commands of one tick leave in one write. Corking must change nothing else: every command arrives, in
 * order, each resolves only once Redis has answered it, and a failed connection fails or resends them.
 */
const redis = engine('redis');

const socketOf = (client: Redis) => (client as unknown as { stream: { writableCorked: number; writableLength: number; destroy(err: Error): void } }).stream;
const endOfTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('redis: the commands of one tick in one write', { skip: redis.skip, timeout: 30_000 }, () => {
  let reader: Redis;
  const keys: string[] = [];
  const closers: (() => unknown)[] = [];
  const key = (label: string) => {
    const name = `test.coalesce.${label}.${randomUUID().slice(0, 8)}`;
    keys.push(name);
    return name;
  };
  const transport = async (url = redis.url!): Promise<Transport> => {
    const made = await createRedisTransport(new URL(url), {});
    closers.push(() => made.close());
    return made;
  };
  const entries = async (stream: string) =>
    ((await reader.xrange(stream, '-', '+')) as [string, string[]][]).map(([, fields]) => JSON.parse(fields[fields.indexOf('body') + 1]!) as number);

  before(() => {
    reader = new Redis(redis.url!, { protocol: 2 });
  });
  afterEach(async () => {
    await Promise.allSettled(closers.splice(0).map((close) => close()));
    if (keys.length > 0) await reader.del(...keys.splice(0));
  });
  after(() => reader.disconnect());

  it('holds the writes of a tick and lets them go together once it ends', async () => {
    const client = new Redis(redis.url!, { protocol: 2 });
    closers.push(() => client.disconnect());
    await client.ping();
    const list = key('held');
    coalesceThisTick(client);
    coalesceThisTick(client); // a second call in the same tick corks no deeper
    const pushes = Array.from({ length: 100 }, (_, i) => client.rpush(list, String(i)));
    assert.equal(socketOf(client).writableCorked, 1);
    assert.ok(socketOf(client).writableLength > 0, 'the commands wait in the socket');
    await endOfTick();
    assert.equal(socketOf(client).writableCorked, 0);
    await Promise.all(pushes);
    assert.deepEqual(await reader.lrange(list, 0, -1), Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it('delivers every send of one tick, in order, each resolving only once Redis holds it', async () => {
    const queue = key('sends');
    const sender = await transport();
    const seenAtResolve: Promise<boolean>[] = [];
    const sends = Array.from({ length: 500 }, (_, i) =>
      sender.send(queue, createEnvelope(Buffer.from(JSON.stringify(i)), { contentType: 'application/json' })).then(() => {
        // Asked on another connection the moment the send resolves: Redis must have the message already.
        seenAtResolve.push(entries(queue).then((got) => got.includes(i)));
      }),
    );
    await Promise.all(sends);
    assert.deepEqual(await Promise.all(seenAtResolve), Array.from({ length: 500 }, () => true));
    assert.deepEqual(await entries(queue), Array.from({ length: 500 }, (_, i) => i));
  });

  it('rejects the commands still held when the connection fails, rather than leaving them pending', async () => {
    const client = new Redis(redis.url!, { protocol: 2, maxRetriesPerRequest: 0, retryStrategy: () => null });
    closers.push(() => client.disconnect());
    await client.ping();
    const list = key('failed');
    coalesceThisTick(client);
    const pushes = Array.from({ length: 20 }, (_, i) => client.rpush(list, String(i)));
    socketOf(client).destroy(new Error('the connection failed'));
    const results = await Promise.allSettled(pushes);
    assert.deepEqual(results.map((r) => r.status), Array.from({ length: 20 }, () => 'rejected'));
    assert.equal(await reader.exists(list), 0, 'nothing was written');
  });

  it("resends what a dropped connection held, once and in order, on the transport's own connection", async () => {
    const queue = key('dropped');
    const proxy = await new TcpProxy('127.0.0.1', Number(new URL(redis.url!).port || 6379)).start();
    closers.push(() => proxy.stop());
    const sender = await transport(proxy.urlFor(redis.url!));
    await sender.send(queue, createEnvelope(Buffer.from('-1'), { contentType: 'application/json' }));
    const sends = Array.from({ length: 200 }, (_, i) => sender.send(queue, createEnvelope(Buffer.from(JSON.stringify(i)), { contentType: 'application/json' })));
    assert.ok(proxy.drop() > 0, 'the connection was cut while the sends were held');
    await Promise.all(sends);
    assert.deepEqual(await entries(queue), [-1, ...Array.from({ length: 200 }, (_, i) => i)]);
  });
});
