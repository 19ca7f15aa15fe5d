import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { describeThisCli, thisCli } from '../../src/kit/runtime/this-cli.ts';
import { type Connect, connectOurs, socketIoConnect } from '../../src/systems/chat/ws/bench/bench-clients.ts';
import { SIDES, type ServerPair, startServers } from '../../src/systems/chat/ws/bench/bench-servers.ts';
import { runIdle, runMaxRate, runRoom } from '../../src/systems/chat/ws/bench/scenarios.ts';
import { engine } from '../helpers/engines.ts';

const redis = engine('redis');

describe('chat ws bench scenarios, at a tiny scale, against both servers', { skip: redis.skip, timeout: 240_000 }, () => {
  describeThisCli(new URL('../../src/cli/main.ts', import.meta.url).href);
  const cli = thisCli();
  const running: ServerPair[] = [];
  after(async () => {
    for (const servers of running) await servers.stop();
  });

  for (const side of SIDES) {
    it(`${side}: every message reaches every member once, at each rate step, and idle connections are all open`, async () => {
      const connect: Connect = side === 'mensageiro' ? connectOurs : await socketIoConnect();
      const servers = await startServers(side, { cli, redisUrl: redis.url!, instances: 2, maxConnections: 100 });
      running.push(servers);
      const target = { side, connect, urls: servers.urls, pids: servers.pids };

      const room = await runRoom(target, { members: 6, publishers: 3, rate: 40, durationMs: 1_000 });
      assert.equal(room.counts.sent, 40);
      assert.deepEqual(room.counts, { sent: 40, expected: 240, delivered: 240, lost: 0, duplicates: 0, errors: 0 });
      // Members 0, 2, 4 are on one instance and 1, 3, 5 on the other; each message crosses to three of them.
      assert.equal(room.cross.ok, 120);

      // A limit no delivery can miss on time, so each step is judged on its counts alone.
      const rate = await runMaxRate(target, { perInstance: 2, startRate: 20, factor: 2, maxRate: 40, stepMs: 500, p99LimitMs: 600_000 });
      assert.ok(rate.steps.length >= 1);
      for (const step of rate.steps) assert.equal(step.lost, 0, `lost at ${step.rate}/s`);

      const idle = await runIdle(target, { connections: 30, settleMs: 100 });
      assert.equal(idle.connections, 30);
      assert.ok(idle.rssAfterMb > 0);
      assert.equal(servers.exited.length, 0, servers.exited.join(', '));
    });
  }
});
