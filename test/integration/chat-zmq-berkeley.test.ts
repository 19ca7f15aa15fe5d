import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Broker, startBroker } from '../../src/systems/chat/zmq/roles/broker.ts';
import type { ChatServer } from '../../src/systems/chat/zmq/roles/chat-server.ts';
import { LazyPirateClient } from '../../src/systems/chat/zmq/roles/lazy-pirate-client.ts';
import { PeerClient } from '../../src/systems/chat/zmq/roles/peer-rpc.ts';
import { type PubSubProxy, startPubSubProxy } from '../../src/systems/chat/zmq/roles/proxy.ts';
import { type ReferenceService, startReference } from '../../src/systems/chat/zmq/roles/reference.ts';
import { startInProcessServer } from '../helpers/chat-zmq-fixture.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const LOCAL = 'tcp://127.0.0.1:0';

/**
 * Two real servers, each behind a broker of its own, so that a test can send requests to one server only:
 * s2, ranked second, is the coordinator.
 */
describe('Berkeley cadence: every server, every 10 requests it handles, syncs its clock with the coordinator', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-zmq-berkeley-'));
  let proxy: PubSubProxy;
  let reference: ReferenceService;
  const brokers: Broker[] = [];
  const servers = new Map<string, ChatServer>();

  before(async () => {
    proxy = await startPubSubProxy({ xsub: LOCAL, xpub: LOCAL });
    reference = await startReference({ bind: LOCAL });
    for (const name of ['s1', 's2']) {
      const broker = await startBroker({ frontend: LOCAL, backend: LOCAL });
      brokers.push(broker);
      const server = await startInProcessServer(name, { broker, proxy, reference }, dataDir);
      servers.set(name, server);
    }
    await waitFor(() => [...servers.values()].every((server) => server.status().coordinator === 's2'), 'both servers to follow s2');
  });

  after(async () => {
    for (const server of servers.values()) await server.close();
    for (const broker of brokers) await broker.close();
    await reference?.close();
    await proxy?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** `count` requests, one after another, through the broker in front of server `index`. */
  async function requests(index: number, count: number): Promise<void> {
    const client = new LazyPirateClient(brokers[index]!.frontendEndpoint, { timeoutMs: 5_000, retries: 0 });
    try {
      for (let n = 0; n < count; n++) {
        const reply = await client.request({ service: 'users', data: { timestamp: Date.now() / 1_000, clock: n } });
        assert.ok(Array.isArray(reply.data.users), JSON.stringify(reply));
      }
    } finally {
      client.close();
    }
  }

  /** The rounds a server runs for `count` requests, once those under way are over. */
  async function roundsFor(name: string, index: number, count: number): Promise<number> {
    const server = servers.get(name)!;
    const before = server.status().berkeleyRounds;
    await requests(index, count);
    const expected = Math.floor(count / 10);
    await waitFor(() => server.status().berkeleyRounds - before >= expected - 1, `${name} to run about ${expected} rounds`, 10_000).catch(() => undefined);
    await sleep(500); // a round still under way ends well within this
    return server.status().berkeleyRounds - before;
  }

  it('a server that is not the coordinator asks it for the time every 10 requests, and moves its clock to it', async () => {
    // The coordinator's clock 5 s ahead: s1 must follow it.
    const coordinator = new PeerClient(servers.get('s2')!.peerEndpoint);
    try {
      await coordinator.request({ service: 'adjust', data: { adjustment: 5, timestamp: Date.now() / 1_000, clock: 1 } }, 5_000);
    } finally {
      coordinator.close();
    }
    const rounds = await roundsFor('s1', 0, 95);
    assert.ok(rounds >= 8 && rounds <= 10, `95 requests to s1 gave ${rounds} rounds, not 9 ± 1`);
    const offset = servers.get('s1')!.status().offsetMs;
    assert.ok(Math.abs(offset - 5_000) < 1_000, `s1's clock is ${offset} ms off the system's, not the coordinator's 5,000`);
  });

  it('the coordinator runs a round over every server every 10 requests it handles', async () => {
    const rounds = await roundsFor('s2', 1, 50);
    assert.ok(rounds >= 4 && rounds <= 6, `50 requests to s2 gave ${rounds} rounds, not 5 ± 1`);
  });
});
