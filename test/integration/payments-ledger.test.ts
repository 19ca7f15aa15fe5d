import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { openRedis } from '../../src/kit/store/redis-client.ts';
import { RedisLease } from '../../src/kit/store/lease.ts';
import { parseTimeRange } from '../../src/systems/payments/domain/summary.ts';
import { MemoryLedger } from '../../src/systems/payments/store/memory-ledger.ts';
import type { PaymentLedger } from '../../src/systems/payments/store/payment-ledger.ts';
import { RedisLedger } from '../../src/systems/payments/store/redis-ledger.ts';
import { engine } from '../helpers/engines.ts';

const redisEngine = engine('redis');
const connections: Redis[] = [];
after(() => connections.forEach((c) => c.disconnect()));

const T0 = Date.parse('2025-07-10T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const fixtures: Array<{ name: string; skip?: string; make: () => Promise<PaymentLedger> }> = [
  { name: 'memory', make: async () => new MemoryLedger() },
  {
    name: 'redis',
    skip: redisEngine.skip,
    make: async () => {
      const redis = await openRedis(redisEngine.url!, 'ledger-test');
      connections.push(redis);
      return new RedisLedger(redis, `test-ledger-${Date.now()}-${Math.random()}`);
    },
  },
];

for (const fx of fixtures) {
  describe(`payment ledger: ${fx.name}`, { skip: fx.skip }, () => {
    it('sums each processor inside inclusive bounds, and everything with no bounds', async () => {
      const ledger = await fx.make();
      // Recorded out of order, as answers arrive.
      await ledger.record({ processor: 'default', correlationId: id(1), amountCents: 1990, requestedAtMs: T0 + 1000 });
      await ledger.record({ processor: 'default', correlationId: id(2), amountCents: 1990, requestedAtMs: T0 });
      await ledger.record({ processor: 'fallback', correlationId: id(3), amountCents: 2005, requestedAtMs: T0 + 500 });
      await ledger.record({ processor: 'default', correlationId: id(4), amountCents: 1, requestedAtMs: T0 + 2000 });

      const edges = await ledger.summary(parseTimeRange(iso(T0), iso(T0 + 1000)));
      assert.deepEqual(edges.default, { totalRequests: 2, totalAmountCents: 3980 }, 'both bounds are inclusive');
      assert.deepEqual(edges.fallback, { totalRequests: 1, totalAmountCents: 2005 });

      const inside = await ledger.summary(parseTimeRange(iso(T0 + 1), iso(T0 + 999)));
      assert.deepEqual(inside.default, { totalRequests: 0, totalAmountCents: 0 });

      const all = await ledger.summary(parseTimeRange(null, null));
      assert.deepEqual(all.default, { totalRequests: 3, totalAmountCents: 3981 });
      const from = await ledger.summary(parseTimeRange(iso(T0 + 1500), null));
      assert.deepEqual(from.default, { totalRequests: 1, totalAmountCents: 1 });
    });

    it('counts a payment recorded twice once', async () => {
      const ledger = await fx.make();
      const entry = { processor: 'fallback' as const, correlationId: id(9), amountCents: 500, requestedAtMs: T0 };
      await ledger.record(entry);
      await ledger.record(entry);
      assert.deepEqual((await ledger.summary(parseTimeRange(null, null))).fallback, { totalRequests: 1, totalAmountCents: 500 });
    });

    it('purge empties it and remembers when', async () => {
      const ledger = await fx.make();
      assert.equal(await ledger.purgedAt(), 0);
      await ledger.record({ processor: 'default', correlationId: id(5), amountCents: 100, requestedAtMs: T0 });
      await ledger.purge(T0 + 5);
      assert.deepEqual((await ledger.summary(parseTimeRange(null, null))).default, { totalRequests: 0, totalAmountCents: 0 });
      assert.equal(await ledger.purgedAt(), T0 + 5);
    });

    it('does not record, after a purge, a payment sent before it (an answer that came back late)', async () => {
      const ledger = await fx.make();
      await ledger.purge(T0 + 5);
      await ledger.record({ processor: 'default', correlationId: id(6), amountCents: 100, requestedAtMs: T0 + 4 });
      await ledger.record({ processor: 'default', correlationId: id(7), amountCents: 200, requestedAtMs: T0 + 5 });
      assert.deepEqual((await ledger.summary(parseTimeRange(null, null))).default, { totalRequests: 1, totalAmountCents: 200 });
    });
  });
}

describe('RedisLease', { skip: redisEngine.skip }, () => {
  it('one holder at a time; renewable by its holder; free again after release', async () => {
    const redis = await openRedis(redisEngine.url!, 'lease-test');
    connections.push(redis);
    const key = `test-lease-${Date.now()}`;
    const a = new RedisLease(redis, key, 'a', 5_000);
    const b = new RedisLease(redis, key, 'b', 5_000);
    assert.equal(await a.acquire(), true);
    assert.equal(await b.acquire(), false);
    assert.equal(await a.acquire(), true, 'the holder renews');
    await b.release();
    assert.equal(await b.acquire(), false, 'release by a non-holder does nothing');
    await a.release();
    assert.equal(await b.acquire(), true);
  });

  it('lapses when its holder stops renewing', async () => {
    const redis = await openRedis(redisEngine.url!, 'lease-test');
    connections.push(redis);
    const key = `test-lease-ttl-${Date.now()}`;
    assert.equal(await new RedisLease(redis, key, 'a', 100).acquire(), true);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(await new RedisLease(redis, key, 'b', 100).acquire(), true);
  });
});
