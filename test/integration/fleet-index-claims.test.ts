import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { openRedis } from '../../src/kit/store/redis-client.ts';
import { distanceKm, stepFrom } from '../../src/systems/fleet/domain/geo.ts';
import { SAO_PAULO_CENTRE } from '../../src/systems/fleet/domain/order-created.ts';
import type { DriverIndex } from '../../src/systems/fleet/store/driver-index.ts';
import { type EventClaims, MemoryEventClaims } from '../../src/systems/fleet/store/event-claims.ts';
import { MemoryDriverIndex } from '../../src/systems/fleet/store/memory-driver-index.ts';
import { RedisDriverIndex } from '../../src/systems/fleet/store/redis-driver-index.ts';
import { RedisEventClaims } from '../../src/systems/fleet/store/redis-event-claims.ts';
import { engine } from '../helpers/engines.ts';

const redisEngine = engine('redis');
const connections: Redis[] = [];
const keys: string[] = [];
after(async () => {
  if (connections[0]) for (const key of keys) await connections[0].del(key);
  connections.forEach((c) => c.disconnect());
});

async function redis(): Promise<Redis> {
  const connection = await openRedis(redisEngine.url!, 'fleet-stores-test');
  connections.push(connection);
  return connection;
}

/** `km` kilometres from São Paulo's centre, due east. */
const east = (km: number) => stepFrom(SAO_PAULO_CENTRE, km * 1000, Math.PI / 2);

const indexes: Array<{ name: string; skip?: string; make: () => Promise<DriverIndex> }> = [
  { name: 'memory', make: async () => new MemoryDriverIndex() },
  {
    name: 'redis',
    skip: redisEngine.skip,
    make: async () => {
      const key = `test:fleet:drivers:${randomUUID()}`;
      keys.push(key);
      return new RedisDriverIndex(await redis(), key);
    },
  },
];

for (const fx of indexes) {
  describe(`DriverIndex: ${fx.name}`, { skip: fx.skip }, () => {
    it('finds the nearest driver within 5 km, nearest first, and none when all are farther', async () => {
      const index = await fx.make();
      await index.add([
        { id: 'at-3km', ...east(3) },
        { id: 'at-1km', ...east(1) },
        { id: 'at-6km', ...east(6) },
      ]);
      const near = await index.nearest(SAO_PAULO_CENTRE, 5);
      assert.equal(near?.id, 'at-1km');
      assert.ok(near && Math.abs(near.distanceKm - 1) < 0.01, `${near?.distanceKm} km`);
      assert.ok(near && distanceKm(near, east(1)) < 0.001, 'its position comes back with it (within a metre)');
      await index.remove(['at-1km', 'at-3km']);
      assert.equal(await index.nearest(SAO_PAULO_CENTRE, 5), undefined, 'the one at 6 km is beyond the radius');
      assert.equal((await index.nearest(SAO_PAULO_CENTRE, 7))?.id, 'at-6km');
    });

    it('moves only the drivers it has, and counts them', async () => {
      const index = await fx.make();
      await index.add([{ id: 'a', ...east(4) }]);
      assert.equal(await index.move([{ id: 'a', ...east(0.5) }, { id: 'ghost', ...east(0.1) }]), 1);
      assert.equal((await index.nearest(SAO_PAULO_CENTRE, 5))?.id, 'a');
      assert.equal(await index.move([{ id: 'a', ...east(0.5) }]), 1, 'a move to the same place still counts');
      assert.equal(await index.remove(['a', 'ghost']), 1);
      assert.equal(await index.nearest(SAO_PAULO_CENTRE, 5), undefined);
    });

    it('refuses positions outside the indexable map, leaving the index as it was', async () => {
      const index = await fx.make();
      await assert.rejects(index.add([{ id: 'ok', ...east(1) }, { id: 'pole', lat: 89, lng: 0 }]), RangeError);
      await assert.rejects(index.nearest({ lat: 0, lng: 200 }, 5), RangeError);
      assert.equal(await index.nearest(SAO_PAULO_CENTRE, 5), undefined);
    });
  });
}

const claimStores: Array<{ name: string; skip?: string; make: () => Promise<EventClaims> }> = [
  { name: 'memory', make: async () => new MemoryEventClaims() },
  {
    name: 'redis',
    skip: redisEngine.skip,
    make: async () => {
      const claims = RedisEventClaims.connect(redisEngine.url!, { prefix: `test:fleet:dedup:${randomUUID()}:` });
      await claims.ready(5_000);
      after(() => claims.close());
      return claims;
    },
  },
];

for (const fx of claimStores) {
  describe(`EventClaims: ${fx.name}`, { skip: fx.skip }, () => {
    it('claims an event once, says processing while held and done once finished', async () => {
      const claims = await fx.make();
      assert.equal(await claims.claim('e-1'), 'claimed');
      assert.equal(await claims.claim('e-1'), 'processing');
      await claims.finish('e-1');
      assert.equal(await claims.claim('e-1'), 'done');
      assert.equal(await claims.claim('e-2'), 'claimed');
    });

    it('lets a released event be claimed again', async () => {
      const claims = await fx.make();
      assert.equal(await claims.claim('e-1'), 'claimed');
      await claims.release('e-1');
      assert.equal(await claims.claim('e-1'), 'claimed');
    });
  });
}

describe('RedisEventClaims keys', { skip: redisEngine.skip }, () => {
  it('are the reference’s: SET dedup:WorkerProcessOrder:<id> processing, expiring in 24 h', async () => {
    const claims = RedisEventClaims.connect(redisEngine.url!);
    after(() => claims.close());
    await claims.ready(5_000);
    const id = `test-${randomUUID()}`;
    const key = `dedup:WorkerProcessOrder:${id}`;
    keys.push(key);
    const connection = await redis();
    await claims.claim(id);
    assert.equal(await connection.get(key), 'processing');
    const ttl = await connection.ttl(key);
    assert.ok(ttl > 86_000 && ttl <= 86_400, `ttl ${ttl}`);
  });
});
