import assert from 'node:assert/strict';
import { type Server, type Socket, createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { CircuitState } from 'cockatiel';
import { SAO_PAULO_CENTRE } from '../../src/systems/fleet/domain/order-created.ts';
import { GrpcDriverFinder } from '../../src/systems/fleet/grpc/grpc-driver-finder.ts';
import { type BreakerSettings, GuardedFinder, RatioBreaker, SEED_BREAKER, isBreakerOpen, isCallTimeout } from '../../src/systems/fleet/roles/fleet-breaker.ts';
import type { FoundDriver } from '../../src/systems/fleet/roles/driver-finder.ts';
import { type FleetService, startFleetService } from '../../src/systems/fleet/roles/fleet-service.ts';
import { MemoryDriverIndex } from '../../src/systems/fleet/store/memory-driver-index.ts';

function clockedBreaker() {
  let t = 0;
  return { breaker: new RatioBreaker(SEED_BREAKER, () => t), advance: (ms: number) => (t += ms) };
}

/** Feeds calls to the closed breaker, '.' a success and 'x' a failure; says at which call (1-based) it opened, or 0. */
function feed(breaker: RatioBreaker, calls: string): number {
  for (let i = 0; i < calls.length; i++) {
    if (calls[i] === '.') breaker.success(CircuitState.Closed);
    else if (breaker.failure(CircuitState.Closed)) return i + 1;
  }
  return 0;
}

describe('the breaker’s rule, at the seed’s thresholds', () => {
  it('does not open before 10 calls, however many fail', () => {
    assert.equal(feed(clockedBreaker().breaker, 'xxxxxxxxx'), 0);
    assert.equal(feed(clockedBreaker().breaker, 'xxxxxxxxxx'), 10);
  });

  it('opens at 60 % failed of at least 10 calls, not at 50 %', () => {
    assert.equal(feed(clockedBreaker().breaker, '....xxxxxx'), 10, '6 of 10');
    assert.equal(feed(clockedBreaker().breaker, '.....xxxxx'), 0, '5 of 10');
    assert.equal(feed(clockedBreaker().breaker, '.....xxxxx.x'), 0, '6 of 12 is 50 %');
    assert.equal(feed(clockedBreaker().breaker, '......xxxxxxxxx'), 15, '8 of 14 is 57 %, 9 of 15 is 60 %');
  });

  it('starts its counts again every window', () => {
    const { breaker, advance } = clockedBreaker();
    assert.equal(feed(breaker, 'xxxxxxxxx'), 0);
    advance(SEED_BREAKER.windowMs);
    assert.equal(feed(breaker, 'x'), 0, 'the nine earlier failures are forgotten');
    assert.equal(feed(breaker, 'xxxxxxxx'), 0);
    assert.equal(feed(breaker, 'x'), 1);
  });

  it('opens again on a failed probe and forgets the old counts after a good one', () => {
    const { breaker } = clockedBreaker();
    assert.equal(breaker.failure(CircuitState.HalfOpen), true);
    breaker.success(CircuitState.HalfOpen);
    assert.equal(feed(breaker, 'xxxxxxxxx'), 0);
  });
});

describe('the breaker around real SearchDriver calls', () => {
  const settings: BreakerSettings = { minimumRequests: 4, failureRatio: 0.5, windowMs: 60_000, halfOpenAfterMs: 300, callTimeoutMs: 1_000 };
  const index = new MemoryDriverIndex();
  let service: FleetService | undefined;
  const finders: GrpcDriverFinder[] = [];
  after(async () => {
    await service?.close(0);
    for (const finder of finders) await finder.close();
  });

  const guarded = (port: number, overrides: Partial<BreakerSettings> = {}) => {
    const finder = new GrpcDriverFinder(`127.0.0.1:${port}`, { maxAttempts: 1, maxReconnectBackoffMs: 100 });
    finders.push(finder);
    const states: string[] = [];
    return { guard: new GuardedFinder(finder, { ...settings, ...overrides }, (state) => states.push(state)), states };
  };

  it('opens when the service goes away, answers at once while open, and closes on a good probe once it is back', async () => {
    await index.add([{ id: 'Joao-da-Silva', lat: -23.55, lng: -46.63 }]);
    service = await startFleetService({ index, port: 0 });
    const port = service.port;
    const { guard, states } = guarded(port);
    assert.equal((await guard.find('o-1', SAO_PAULO_CENTRE))?.id, 'Joao-da-Silva');

    await service.close(0);
    for (let i = 0; i < 3; i++) await assert.rejects(guard.find('o-1', SAO_PAULO_CENTRE), /UNAVAILABLE/);
    assert.equal(guard.state, 'open', '3 failed of 4 calls');
    await assert.rejects(guard.find('o-1', SAO_PAULO_CENTRE), (err) => isBreakerOpen(err));

    service = await startFleetService({ index, port });
    // A probe goes through every halfOpenAfterMs; one may meet the channel still reconnecting and open it again.
    let found: FoundDriver | undefined;
    for (let i = 0; i < 20 && !found; i++) {
      await new Promise((resolve) => setTimeout(resolve, settings.halfOpenAfterMs + 50));
      found = await guard.find('o-1', SAO_PAULO_CENTRE).catch(() => undefined);
    }
    assert.equal(found?.id, 'Joao-da-Silva');
    assert.equal(guard.state, 'closed');
    assert.deepEqual(states.slice(0, 2), ['open', 'half-open']);
    assert.equal(states.at(-1), 'closed');
  });

  it('counts a driver not found as an answer, not a failure', async () => {
    service ??= await startFleetService({ index, port: 0 });
    const { guard } = guarded(service.port, { minimumRequests: 1 });
    for (let i = 0; i < 3; i++) assert.equal(await guard.find('o-1', { lat: 10, lng: 10 }), undefined);
    assert.equal(guard.state, 'closed');
  });

  it('cuts a call that hangs at the call timeout and counts it as a failure', async () => {
    const hang = await blackHole();
    try {
      const { guard } = guarded(hang.port, { minimumRequests: 1, callTimeoutMs: 200 });
      await assert.rejects(guard.find('o-1', SAO_PAULO_CENTRE), (err) => isCallTimeout(err));
      assert.equal(guard.state, 'open');
    } finally {
      hang.close();
    }
  });
});

/** A TCP server that accepts connections and never answers: a gRPC call to it waits forever. */
async function blackHole(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
