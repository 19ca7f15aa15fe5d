import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type ServiceError, credentials, status } from '@grpc/grpc-js';
import type { Redis } from 'ioredis';
import { openRedis } from '../../src/kit/store/redis-client.ts';
import { SAO_PAULO_AREA, stepFrom } from '../../src/systems/fleet/domain/geo.ts';
import { SAO_PAULO_CENTRE } from '../../src/systems/fleet/domain/order-created.ts';
import { type SearchDriverResponse, fleetServiceClient } from '../../src/systems/fleet/grpc/fleet-grpc.ts';
import { GrpcDriverFinder } from '../../src/systems/fleet/grpc/grpc-driver-finder.ts';
import { type FleetService, startFleetService } from '../../src/systems/fleet/roles/fleet-service.ts';
import { RedisDriverIndex } from '../../src/systems/fleet/store/redis-driver-index.ts';
import { exitOf, freePort, startCli } from '../helpers/cli-process.ts';
import { engine, startPrivateRedis } from '../helpers/engines.ts';
import { waitFor } from '../helpers/wait.ts';

const redisEngine = engine('redis');

/** A SearchDriver call with exactly the fields given, as any client of the .proto would send it. */
function rawSearch(port: number, request: Record<string, unknown>): Promise<SearchDriverResponse | ServiceError> {
  const Client = fleetServiceClient();
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client.SearchDriver!(request, (err: ServiceError | null, response: SearchDriverResponse) => {
      client.close();
      resolve(err ?? response);
    });
  });
}

const codeOf = (answer: SearchDriverResponse | ServiceError) => ('code' in answer ? answer.code : status.OK);

describe('fleet service on Redis GEO', { skip: redisEngine.skip, timeout: 60_000 }, () => {
  let redis: Redis;
  let service: FleetService;
  let finder: GrpcDriverFinder;
  const key = `test:fleet:service:${randomUUID()}`;

  before(async () => {
    redis = await openRedis(redisEngine.url!, 'fleet-service-test');
    const index = new RedisDriverIndex(redis, key);
    // The reference's two drivers, and one 4.5 km north of the centre.
    await index.add([
      { id: 'Joao-da-Silva', lat: -23.55, lng: -46.63 },
      { id: 'Maria-Longe', lat: -23.6, lng: -46.7 },
      { id: 'North-4.5km', ...stepFrom(SAO_PAULO_CENTRE, 4_500, 0) },
    ]);
    service = await startFleetService({ index, port: 0 });
    finder = new GrpcDriverFinder(`127.0.0.1:${service.port}`);
  });
  after(async () => {
    await finder.close();
    await service.close(0);
    await redis.del(key);
    redis.disconnect();
  });

  it('answers the nearest driver within 5 km of the pickup point', async () => {
    const found = await finder.find('o-1', SAO_PAULO_CENTRE);
    assert.equal(found?.id, 'Joao-da-Silva');
    assert.equal(found?.name, 'Joao-da-Silva');
    assert.ok(found && Math.abs(found.lat - -23.55) < 1e-5 && Math.abs(found.lng - -46.63) < 1e-5);
    // 8 km north of the centre, the driver 4.5 km north is 3.5 km away: the nearest.
    assert.equal((await finder.find('o-2', stepFrom(SAO_PAULO_CENTRE, 8_000, 0)))?.id, 'North-4.5km');
    // Beside Maria, she is nearest although Joao is within 5 km too.
    assert.equal((await finder.find('o-3', { lat: -23.59, lng: -46.69 }))?.id, 'Maria-Longe');
  });

  it('answers NOT_FOUND when no driver is within 5 km', async () => {
    const far = stepFrom(SAO_PAULO_CENTRE, 12_000, Math.PI / 2);
    assert.equal(await finder.find('o-4', far), undefined);
    const raw = await rawSearch(service.port, { order_id: 'o-4', lat: far.lat, lng: far.lng });
    assert.equal(codeOf(raw), status.NOT_FOUND);
    assert.match((raw as ServiceError).details, /no driver within 5 km/);
  });

  it('searches around São Paulo’s centre for a client that sends only order_id, as the reference’s do', async () => {
    const answer = await rawSearch(service.port, { order_id: 'seed-client' });
    assert.equal((answer as SearchDriverResponse).driver_id, 'Joao-da-Silva');
  });

  it('answers INVALID_ARGUMENT, with the reason, to an empty order id or a point off the map', async () => {
    for (const [request, reason] of [
      [{ order_id: '' }, /order_id must not be empty/],
      [{ order_id: 'o', lat: 91, lng: 0 }, /lat must be/],
      [{ order_id: 'o', lat: -23.5 }, /both lat and lng/],
    ] as const) {
      const answer = await rawSearch(service.port, request);
      assert.equal(codeOf(answer), status.INVALID_ARGUMENT);
      assert.match((answer as ServiceError).details, reason);
    }
    assert.equal((await finder.find('o-5', SAO_PAULO_CENTRE))?.id, 'Joao-da-Silva', 'and keeps serving');
  });
});

describe('fleet service with its Redis gone', { timeout: 60_000 }, () => {
  it('answers UNAVAILABLE, and finds drivers again once Redis is back', async (t) => {
    const privateRedis = await startPrivateRedis().catch((err: Error) => err);
    if (privateRedis instanceof Error) return t.skip(`no private redis-server: ${privateRedis.message}`);
    const redis = await openRedis(privateRedis.url, 'fleet-service-down-test');
    const index = new RedisDriverIndex(redis, 'drivers_locations');
    await index.add([{ id: 'Joao-da-Silva', lat: -23.55, lng: -46.63 }]);
    const service = await startFleetService({ index, port: 0 });
    try {
      await privateRedis.crash();
      const answer = await rawSearch(service.port, { order_id: 'o-1' });
      assert.equal(codeOf(answer), status.UNAVAILABLE);
      assert.match((answer as ServiceError).details, /driver index cannot be reached/);
      await privateRedis.restart();
      await index.add([{ id: 'Joao-da-Silva', lat: -23.55, lng: -46.63 }]);
      assert.equal(((await rawSearch(service.port, { order_id: 'o-1' })) as SearchDriverResponse).driver_id, 'Joao-da-Silva');
    } finally {
      await service.close(0);
      redis.disconnect();
      await privateRedis.stop();
    }
  });
});

describe('fleet drivers and fleet service commands', { skip: redisEngine.skip, timeout: 60_000 }, () => {
  let redis: Redis;
  const key = `test:fleet:drivers:${randomUUID()}`;
  before(async () => (redis = await openRedis(redisEngine.url!, 'fleet-drivers-test')));
  after(async () => {
    await redis.del(key);
    redis.disconnect();
  });

  it('seeds the reference drivers at their (lat, lng), written to GEOADD as lng lat', async () => {
    const cli = startCli(['fleet', 'drivers', '--seed-drivers', '--redis', redisEngine.url!, '--key', key]);
    assert.equal(await exitOf(cli, 20_000), 0, cli.output());
    const [joao, maria] = (await redis.geopos(key, 'Joao-da-Silva', 'Maria-Longe')) as Array<[string, string]>;
    assert.deepEqual(joao?.map((v) => Number(v).toFixed(4)), ['-46.6300', '-23.5500']);
    assert.deepEqual(maria?.map((v) => Number(v).toFixed(4)), ['-46.7000', '-23.6000']);
  });

  it('moves the simulated drivers inside the city box every tick, and takes them off the map on Ctrl-C', async () => {
    const simKey = `${key}:sim`;
    const cli = startCli(['fleet', 'drivers', '--simulate', '20', '--redis', redisEngine.url!, '--key', simKey, '--tick', '50ms', '--step', '200']);
    try {
      await waitFor(async () => (await redis.zcard(simKey)) === 20, 'the 20 drivers placed', 20_000);
      const before = await redis.geopos(simKey, 'sim-driver-1', 'sim-driver-20');
      await waitFor(async () => JSON.stringify(await redis.geopos(simKey, 'sim-driver-1', 'sim-driver-20')) !== JSON.stringify(before), 'a move', 10_000);
      const ids = Array.from({ length: 20 }, (_, i) => `sim-driver-${i + 1}`);
      for (const position of (await redis.geopos(simKey, ...ids)) as Array<[string, string]>) {
        const [lng, lat] = position.map(Number) as [number, number];
        assert.ok(lat >= SAO_PAULO_AREA.south - 1e-5 && lat <= SAO_PAULO_AREA.north + 1e-5 && lng >= SAO_PAULO_AREA.west - 1e-5 && lng <= SAO_PAULO_AREA.east + 1e-5, `${lat}, ${lng}`);
      }
    } finally {
      cli.kill('SIGINT');
    }
    assert.equal(await exitOf(cli, 20_000), 0, cli.output());
    assert.equal(await redis.zcard(simKey), 0);
  });

  it('serves SearchDriver from the command line, on an in-memory index with the reference drivers', async () => {
    const port = await freePort();
    const cli = startCli(['fleet', 'service', '--port', String(port), '--redis', 'memory://', '--seed-drivers']);
    const finder = new GrpcDriverFinder(`127.0.0.1:${port}`);
    try {
      await waitFor(() => cli.output().includes('SearchDriver on'), 'the service to start', 20_000);
      assert.equal((await finder.find('o-1', SAO_PAULO_CENTRE))?.id, 'Joao-da-Silva');
    } finally {
      await finder.close();
      cli.kill('SIGINT');
    }
    assert.equal(await exitOf(cli, 20_000), 0, cli.output());
  });
});
