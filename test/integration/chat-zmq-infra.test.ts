import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Dealer, Publisher, Reply, Request, Router, Subscriber } from 'zeromq';
import { type Broker, startBroker } from '../../src/systems/chat/zmq/roles/broker.ts';
import { BrokerUnreachableError, ClientClosedError, LazyPirateClient } from '../../src/systems/chat/zmq/roles/lazy-pirate-client.ts';
import { PeerClient, PeerEndpoint, PeerTimeoutError, PeerUnavailableError } from '../../src/systems/chat/zmq/roles/peer-rpc.ts';
import { type PubSubProxy, startPubSubProxy } from '../../src/systems/chat/zmq/roles/proxy.ts';
import { type ReferenceService, startReference } from '../../src/systems/chat/zmq/roles/reference.ts';
import { type ChatMessage, decodeChatMessage, encodeChatMessage } from '../../src/systems/chat/zmq/wire/chat-message.ts';
import { decodePublication, encodePublication } from '../../src/systems/chat/zmq/wire/publication.ts';
import type { ZmtpSocketType } from '../../src/kit/zmtp/zmtp-codec.ts';
import { exitOf, freePort, startCli } from '../helpers/cli-process.ts';
import { probeZmtp } from '../helpers/zmtp-probe.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const LOCAL = 'tcp://127.0.0.1:0';

/** A REP server behind the broker that answers every request with its name and what it was asked. */
function startEchoServer(name: string, backend: string) {
  const rep = new Reply({ linger: 0 });
  rep.connect(backend);
  const served = (async () => {
    for await (const [frame] of rep) {
      const request = decodeChatMessage(frame!);
      await rep.send(encodeChatMessage({ service: request.service, data: { server: name, echo: request.data } }));
    }
  })().catch(() => undefined);
  return {
    async close() {
      rep.close();
      await served;
    },
  };
}

/**
 * What "frees its ports" means, for a role bound on ports the system picked: while it holds them a second bind
 * is refused; once closed, a connection to them is refused (nothing listens there any more); bound again on the
 * same ports, ten times over, each accepts a fresh connection that completes a ZMTP handshake with the new
 * listener, which names the socket type expected. `probes` gives, per port, the type to connect as and that one.
 */
async function assertFreesPorts<T extends { close(): Promise<void> }>(
  start: (at: string[] | undefined) => Promise<T>,
  endpointsOf: (started: T) => string[],
  probes: Array<[ZmtpSocketType, string]>,
): Promise<void> {
  let running = await start(undefined);
  const endpoints = endpointsOf(running);
  try {
    const second = await start(endpoints).catch((err: unknown) => err as NodeJS.ErrnoException);
    if (!(second instanceof Error)) {
      await second.close();
      assert.fail(`a second bind on ${endpoints.join(', ')} succeeded while the first held them`);
    }
    assert.equal(second.code, 'EADDRINUSE', `a second bind while the first holds the ports: ${second.message}`);
    for (let round = 0; round < 10; round++) {
      for (const [n, endpoint] of endpoints.entries()) assert.equal(await probeZmtp(endpoint, probes[n]![0]), probes[n]![1], `round ${round}: a handshake on ${endpoint}`);
      await running.close();
      for (const endpoint of endpoints) assert.equal(await probeZmtp(endpoint, 'DEALER'), 'refused', `round ${round}: ${endpoint} still listens after close()`);
      running = await start(endpoints);
    }
  } finally {
    await running.close();
  }
  await running.close(); // twice is harmless
}

/** Collects what a SUB socket receives until it is closed. */
function collect(subscriber: Subscriber) {
  const received: Array<{ topic: string; payload: Record<string, unknown> }> = [];
  const done = (async () => {
    for await (const frames of subscriber) {
      const publication = decodePublication(frames);
      if (publication) received.push(publication);
    }
  })().catch(() => undefined);
  return { received, done };
}

describe('chat broker (ROUTER/DEALER)', { timeout: 60_000 }, () => {
  let broker: Broker;
  const servers: Array<ReturnType<typeof startEchoServer>> = [];
  const clients: LazyPirateClient[] = [];

  before(async () => {
    broker = await startBroker({ frontend: LOCAL, backend: LOCAL });
  });

  after(async () => {
    for (const client of clients) client.close();
    for (const server of servers) await server.close();
    await broker.close();
  });

  const client = () => {
    const made = new LazyPirateClient(broker.frontendEndpoint, { timeoutMs: 5_000, retries: 0 });
    clients.push(made);
    return made;
  };

  it('binds resolved endpoints', () => {
    assert.match(broker.frontendEndpoint, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    assert.match(broker.backendEndpoint, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    assert.notEqual(broker.frontendEndpoint, broker.backendEndpoint);
  });

  it('carries a REQ client request to a REP server and the reply back', async () => {
    servers.push(startEchoServer('s1', broker.backendEndpoint));
    const reply = await client().request({ service: 'users', data: { n: 1 } });
    assert.deepEqual(reply, { service: 'users', data: { server: 's1', echo: { n: 1 } } });
  });

  it('routes each reply to the client that asked, with many clients at once', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, (_, n) => client().request({ service: 'users', data: { n } })));
    assert.deepEqual(
      replies.map((reply) => reply.data.echo),
      Array.from({ length: 20 }, (_, n) => ({ n })),
    );
  });

  it('deals requests round-robin across two servers', async () => {
    servers.push(startEchoServer('s2', broker.backendEndpoint));
    const asker = client();
    const seen = new Set<unknown>();
    for (let n = 0; seen.size < 2; n++) {
      assert.ok(n < 500, 'the second server never got a request');
      seen.add((await asker.request({ service: 'users', data: {} })).data.server);
    }
    const order: unknown[] = [];
    for (let n = 0; n < 10; n++) order.push((await asker.request({ service: 'users', data: {} })).data.server);
    for (let n = 1; n < order.length; n++) assert.notEqual(order[n], order[n - 1], `not alternating: ${order.join(',')}`);
    assert.deepEqual(new Set(order), new Set(['s1', 's2']));
  });

  it('closes cleanly and frees its ports', async () => {
    await assertFreesPorts(
      (at) => startBroker({ frontend: at?.[0] ?? LOCAL, backend: at?.[1] ?? LOCAL }),
      (started) => [started.frontendEndpoint, started.backendEndpoint],
      [
        ['REQ', 'ROUTER'],
        ['REP', 'DEALER'],
      ],
    );
  });
});

describe('chat Pub/Sub proxy (XSUB/XPUB)', { timeout: 120_000 }, () => {
  let proxy: PubSubProxy;
  before(async () => {
    proxy = await startPubSubProxy({ xsub: LOCAL, xpub: LOCAL });
  });
  after(async () => {
    await proxy.close();
  });

  /** Publishes `probe` on each topic until every subscriber has one: subscriptions take a moment to travel up. */
  async function untilSubscribed(publisher: Publisher, topics: string[], heard: () => boolean): Promise<void> {
    await waitFor(async () => {
      for (const topic of topics) await publisher.send(encodePublication(topic, { probe: true }));
      await sleep(20);
      return heard();
    }, 'the subscriptions to reach the publisher');
  }

  it('delivers a publication to the subscribers of its topic only', async () => {
    const publisher = new Publisher({ linger: 0 });
    const sala = new Subscriber({ linger: 0 });
    const outra = new Subscriber({ linger: 0 });
    try {
      publisher.connect(proxy.xsubEndpoint);
      sala.connect(proxy.xpubEndpoint);
      outra.connect(proxy.xpubEndpoint);
      sala.subscribe('sala');
      outra.subscribe('outra');
      const forSala = collect(sala);
      const forOutra = collect(outra);
      await untilSubscribed(publisher, ['sala', 'outra'], () => forSala.received.length > 0 && forOutra.received.length > 0);

      await publisher.send(encodePublication('sala', { user: 'ana', message: 'oi sala' }));
      await publisher.send(encodePublication('outra', { user: 'bia', message: 'oi outra' }));
      await publisher.send(encodePublication('ninguem', { user: 'caio', message: 'no one listens' }));
      await waitFor(() => forSala.received.some((p) => p.payload.message) && forOutra.received.some((p) => p.payload.message), 'both publications');

      assert.ok(forSala.received.every((p) => p.topic === 'sala'));
      assert.ok(forOutra.received.every((p) => p.topic === 'outra'));
      assert.deepEqual(forSala.received.filter((p) => !p.payload.probe), [{ topic: 'sala', payload: { user: 'ana', message: 'oi sala' } }]);
      assert.deepEqual(forOutra.received.filter((p) => !p.payload.probe), [{ topic: 'outra', payload: { user: 'bia', message: 'oi outra' } }]);
    } finally {
      publisher.close();
      sala.close();
      outra.close();
    }
  });

  it('holds a burst of 50 000 publications for a subscriber that is not reading, and delivers all of them', async () => {
    const count = 50_000;
    const message = 'm'.repeat(280);
    // noDrop: the publisher's own queue does not drop either; zeromq.js then fails the send (EAGAIN) while it is full.
    const publisher = new Publisher({ linger: 0, noDrop: true });
    const publish = async (frames: Buffer[]) => {
      for (;;) {
        try {
          return await publisher.send(frames);
        } catch (err) {
          if ((err as { code?: string }).code !== 'EAGAIN') throw err;
          await sleep(1); // the proxy drains it meanwhile
        }
      }
    };
    const subscriber = new Subscriber({ linger: 0, receiveTimeout: 50 });
    const receive = async () => {
      try {
        return decodePublication(await subscriber.receive());
      } catch (err) {
        if ((err as { code?: string }).code === 'EAGAIN') return undefined;
        throw err;
      }
    };
    try {
      publisher.connect(proxy.xsubEndpoint);
      subscriber.connect(proxy.xpubEndpoint);
      subscriber.subscribe('burst');
      await waitFor(async () => {
        await publish(encodePublication('burst', { probe: true }));
        return (await receive()) !== undefined;
      }, 'the subscription to reach the publisher');

      // The subscriber reads nothing while the burst goes out: it all waits in the queues, the proxy's above all.
      // Chat-sized publications (~300 bytes, 15 MB in all), more than the kernel's socket buffers hold.
      for (let seq = 0; seq < count; seq++) await publish(encodePublication('burst', { seq, user: 'ana', message }));

      subscriber.receiveTimeout = 10_000;
      for (let seq = 0; seq < count; seq++) {
        let publication = await receive();
        while (publication?.payload.probe) publication = await receive(); // a probe that was still on its way
        assert.deepEqual(publication, { topic: 'burst', payload: { seq, user: 'ana', message } }, `publication ${seq} of ${count} is missing`);
      }
    } finally {
      publisher.close();
      subscriber.close();
    }
  });

  it('closes cleanly and frees its ports', async () => {
    await assertFreesPorts(
      (at) => startPubSubProxy({ xsub: at?.[0] ?? LOCAL, xpub: at?.[1] ?? LOCAL }),
      (started) => [started.xsubEndpoint, started.xpubEndpoint],
      [
        ['PUB', 'XSUB'],
        ['SUB', 'XPUB'],
      ],
    );
  });
});

describe('chat reference service', { timeout: 60_000 }, () => {
  let reference: ReferenceService;
  let clock = 1_000_000;
  let peer: PeerClient;

  before(async () => {
    reference = await startReference({ bind: LOCAL, staleAfterMs: 5_000, now: () => clock });
    peer = new PeerClient(reference.endpoint);
  });
  after(async () => {
    peer.close();
    await reference.close();
  });

  const ask = (service: string, data: Record<string, unknown> = {}) => peer.request({ service, data }, 5_000);

  it('ranks names 1, 2, 3… in order of first contact, a name keeping its rank', async () => {
    assert.equal((await ask('rank', { user: 'alpha', address: 'tcp://alpha:6000' })).data.rank, 1);
    assert.equal((await ask('rank', { user: 'beta' })).data.rank, 2);
    assert.equal((await ask('rank', { user: 'alpha' })).data.rank, 1);
    assert.equal((await ask('rank', { user: 'gamma' })).data.rank, 3);
  });

  it('lists the servers by rank, with the address they gave', async () => {
    const reply = await ask('list');
    assert.equal(reply.service, 'list');
    assert.deepEqual(reply.data.list, [
      { name: 'alpha', rank: 1, address: 'tcp://alpha:6000' },
      { name: 'beta', rank: 2 },
      { name: 'gamma', rank: 3 },
    ]);
  });

  it('stamps every reply with its time and a Lamport clock past the request', async () => {
    const reply = await ask('heartbeat', { user: 'beta', clock: 500 });
    assert.equal(reply.data.timestamp, clock / 1_000);
    assert.ok(typeof reply.data.clock === 'number' && reply.data.clock > 500);
    const next = await ask('list', { clock: 1 });
    assert.ok((next.data.clock as number) > (reply.data.clock as number));
  });

  it('drops servers not heard from within staleAfterMs from the list, and lists them again on a heartbeat', async () => {
    clock += 4_000;
    await ask('heartbeat', { user: 'gamma' });
    clock += 2_000; // alpha and beta: 6 s of silence; gamma: 2 s
    assert.deepEqual((await ask('list')).data.list, [{ name: 'gamma', rank: 3 }]);
    await ask('heartbeat', { user: 'alpha' });
    assert.deepEqual(
      ((await ask('list')).data.list as Array<{ name: string }>).map((s) => s.name),
      ['alpha', 'gamma'],
    );
    assert.equal((await ask('rank', { user: 'beta' })).data.rank, 2, 'a stale server keeps its rank');
  });

  it('registers a name first heard in a heartbeat with the address it carries, and answers with its rank', async () => {
    assert.equal((await ask('heartbeat', { user: 'delta', address: 'tcp://delta:6003' })).data.rank, 4);
    const listed = (await ask('list')).data.list as Array<{ name: string }>;
    assert.deepEqual(listed.find((server) => server.name === 'delta'), { name: 'delta', rank: 4, address: 'tcp://delta:6003' });
  });

  it('gives a name first heard in a heartbeat the rank it says it holds, unless another name holds it, and refuses a bad one', async () => {
    assert.equal((await ask('heartbeat', { user: 'eta', address: 'tcp://eta:6005', rank: 9 })).data.rank, 9, 'a reference that lost its state keeps the ranks');
    assert.equal((await ask('heartbeat', { user: 'theta', rank: 9 })).data.rank, 10, 'a rank already held is not given twice');
    assert.equal((await ask('heartbeat', { user: 'eta', rank: 3 })).data.rank, 9, 'a known name keeps its rank');
    const refused = await ask('heartbeat', { user: 'iota', rank: 0 });
    assert.equal(refused.data.status, 'erro');
    assert.match(String(refused.data.description), /"rank" must be/);
  });

  it('keeps names, ranks and addresses in its state file, and lists them at once after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-reference-'));
    const statePath = join(dir, 'reference.json');
    try {
      const first = await startReference({ bind: LOCAL, statePath });
      const client = new PeerClient(first.endpoint);
      try {
        await client.request({ service: 'rank', data: { user: 's1', address: 'tcp://s1:5560' } }, 5_000);
        await client.request({ service: 'heartbeat', data: { user: 's2', address: 'tcp://s2:5560' } }, 5_000);
        await client.request({ service: 'heartbeat', data: { user: 's1', address: 'tcp://s1:5561' } }, 5_000);
      } finally {
        client.close();
        await first.close();
      }
      assert.deepEqual(readdirSync(dir), ['reference.json'], 'no temporary file is left beside the state');
      const again = await startReference({ bind: LOCAL, statePath });
      const next = new PeerClient(again.endpoint);
      try {
        const listed = await next.request({ service: 'list', data: {} }, 5_000);
        assert.deepEqual(listed.data.list, [
          { name: 's1', rank: 1, address: 'tcp://s1:5561' },
          { name: 's2', rank: 2, address: 'tcp://s2:5560' },
        ]);
        assert.equal(listed.data.awaiting, 2, 'both were live when it stopped, and neither has been heard from since');
        await next.request({ service: 'heartbeat', data: { user: 's1', address: 'tcp://s1:5561' } }, 5_000);
        assert.equal((await next.request({ service: 'list', data: {} }, 5_000)).data.awaiting, 1, 's1 is heard from again');
        assert.equal((await next.request({ service: 'rank', data: { user: 's3' } }, 5_000)).data.rank, 3, 'a new name after the restart takes the next rank');
      } finally {
        next.close();
        await again.close();
      }
      const muchLater = await startReference({ bind: LOCAL, statePath, now: () => Date.now() + 60_000 });
      const late = new PeerClient(muchLater.endpoint);
      try {
        const listed = await late.request({ service: 'list', data: {} }, 5_000);
        assert.deepEqual(listed.data.list, [], 'servers silent for a minute are not listed');
        assert.equal(listed.data.awaiting, 3, 'but the three live when it stopped are awaited for staleAfterMs from its start');
        assert.equal((await late.request({ service: 'heartbeat', data: { user: 's2', address: 'tcp://s2:5560' } }, 5_000)).data.rank, 2, 'but keep their ranks');
      } finally {
        late.close();
        await muchLater.close();
      }
      writeFileSync(statePath, '{"servers": [{"name": "s1"}]}');
      await assert.rejects(startReference({ bind: LOCAL, statePath }), /state file .* has a bad entry.*move it away/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers bad requests with erro and keeps serving', async () => {
    const req = new Request({ linger: 0, receiveTimeout: 5_000 });
    try {
      req.connect(reference.endpoint);
      for (const garbage of [Buffer.from([0xc1, 0x00]), Buffer.from('not msgpack'), encodeChatMessage({ service: 'rank', data: { user: '' } })]) {
        await req.send(garbage);
        const [frame] = await req.receive();
        const reply = decodeChatMessage(frame!);
        assert.equal(reply.data.status, 'erro');
        assert.equal(typeof reply.data.description, 'string');
        assert.ok(typeof reply.data.clock === 'number');
      }
      await req.send(encodeChatMessage({ service: 'election', data: {} }));
      const [unknown] = await req.receive();
      assert.match(decodeChatMessage(unknown!).data.description as string, /unknown service "election"/);
      await req.send(encodeChatMessage({ service: 'rank', data: { user: 'x', address: 'not an address' } }));
      assert.equal(decodeChatMessage((await req.receive())[0]!).data.status, 'erro');
    } finally {
      req.close();
    }
    assert.equal((await ask('rank', { user: 'alpha' })).data.rank, 1);
  });

  it('frees its port on close', async () => {
    await assertFreesPorts(
      (at) => startReference({ bind: at?.[0] ?? LOCAL }),
      (started) => [started.endpoint],
      [['REQ', 'REP']],
    );
  });
});

describe('chat peer RPC (PeerClient / PeerEndpoint)', { timeout: 60_000 }, () => {
  it('matches concurrent replies by rid, whatever order they come back in', async () => {
    const total = 20;
    const held: Array<() => void> = [];
    const endpoint = await PeerEndpoint.bind(LOCAL, async (message) => {
      // Hold every request until all have arrived, then answer them last first.
      await new Promise<void>((resolve) => {
        held.push(resolve);
        if (held.length === total) for (const release of held.reverse()) release();
      });
      return { service: message.service, data: { n: message.data.n, sawRid: typeof message.data.rid === 'string' } };
    });
    const client = new PeerClient(endpoint.endpoint);
    try {
      assert.match(endpoint.endpoint, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
      const order: number[] = [];
      const replies = await Promise.all(
        Array.from({ length: total }, (_, n) =>
          client.request({ service: 'sync', data: { n } }, 10_000).then((reply) => {
            order.push(n);
            return reply;
          }),
        ),
      );
      replies.forEach((reply, n) => assert.deepEqual(reply, { service: 'sync', data: { n, sawRid: true } }));
      assert.notDeepEqual(order, [...order].sort((a, b) => a - b), 'replies came back in request order: the test proves nothing');
    } finally {
      client.close();
      await endpoint.close();
    }
  });

  it('answers REQ peers too', async () => {
    const endpoint = await PeerEndpoint.bind(LOCAL, () => ({ service: 'election', data: { election: 'OK' } }));
    const req = new Request({ linger: 0, receiveTimeout: 5_000 });
    try {
      req.connect(endpoint.endpoint);
      await req.send(encodeChatMessage({ service: 'election', data: { clock: 1 } }));
      assert.deepEqual(decodeChatMessage((await req.receive())[0]!), { service: 'election', data: { election: 'OK' } });
    } finally {
      req.close();
      await endpoint.close();
    }
  });

  it('replies erro to garbage and to a handler that throws, and keeps serving', async () => {
    const endpoint = await PeerEndpoint.bind(LOCAL, (message) => {
      if (message.service === 'boom') throw new Error('cannot do that');
      return { service: message.service, data: { ok: true } };
    });
    const dealer = new Dealer({ linger: 0, receiveTimeout: 5_000 });
    const client = new PeerClient(endpoint.endpoint);
    try {
      dealer.connect(endpoint.endpoint);
      await dealer.send([Buffer.alloc(0), Buffer.from([0xc1, 0xff, 0x00])]);
      const [, frame] = await dealer.receive();
      const reply = decodeChatMessage(frame!);
      assert.equal(reply.data.status, 'erro');
      assert.match(reply.data.description as string, /not MessagePack/);

      const failed = await client.request({ service: 'boom', data: {} }, 5_000);
      assert.deepEqual(failed, { service: 'boom', data: { status: 'erro', description: 'cannot do that' } });
      assert.deepEqual(await client.request({ service: 'status', data: {} }, 5_000), { service: 'status', data: { ok: true } });
    } finally {
      dealer.close();
      client.close();
      await endpoint.close();
    }
  });

  it('fails, without hanging, against a dead endpoint and against a peer that never answers', async () => {
    const dead = new PeerClient(`tcp://127.0.0.1:${await freePort()}`);
    const silent = new Router({ linger: 0 });
    let silentClient: PeerClient | undefined;
    try {
      await assert.rejects(dead.request({ service: 'clock', data: {} }, 200), PeerUnavailableError);
      await silent.bind(LOCAL);
      silentClient = new PeerClient(silent.lastEndpoint!);
      await assert.rejects(silentClient.request({ service: 'clock', data: {} }, 1_000), PeerTimeoutError);
      const pending = dead.request({ service: 'clock', data: {} }, 60_000);
      dead.close();
      await assert.rejects(pending, PeerUnavailableError);
      await assert.rejects(dead.request({ service: 'clock', data: {} }, 100), PeerUnavailableError);
    } finally {
      dead.close();
      silentClient?.close();
      silent.close();
    }
  });

  it('ignores a late reply to a request that timed out', async () => {
    const delays = [0, 400]; // connected first, so the slow request surely goes out and times out waiting
    const endpoint = await PeerEndpoint.bind(LOCAL, async (message) => {
      await sleep(delays.shift() ?? 0);
      return { service: message.service, data: { n: message.data.n } };
    });
    const client = new PeerClient(endpoint.endpoint);
    try {
      assert.deepEqual(await client.request({ service: 'clock', data: { n: 0 } }, 10_000), { service: 'clock', data: { n: 0 } });
      await assert.rejects(client.request({ service: 'clock', data: { n: 1 } }, 100), PeerTimeoutError);
      await sleep(400); // the late reply to n=1 arrives now and must match nothing
      assert.deepEqual(await client.request({ service: 'clock', data: { n: 2 } }, 10_000), { service: 'clock', data: { n: 2 } });
    } finally {
      client.close();
      await endpoint.close();
    }
  });

  it('frees its port on close', async () => {
    await assertFreesPorts(
      (at) => PeerEndpoint.bind(at?.[0] ?? LOCAL, (message) => message),
      (started) => [started.endpoint],
      [['DEALER', 'ROUTER']],
    );
  });
});

describe('LazyPirateClient', { timeout: 60_000 }, () => {
  it('resends the same bytes on a fresh socket when the first try goes unanswered', async () => {
    const router = new Router({ linger: 0 });
    const seen: Buffer[] = [];
    await router.bind(LOCAL);
    const served = (async () => {
      for await (const [identity, delimiter, body] of router) {
        seen.push(body!);
        if (seen.length === 1) continue; // dropped, as by a server that died with it
        const request = decodeChatMessage(body!);
        await router.send([identity!, delimiter!, encodeChatMessage({ service: request.service, data: { status: 'sucesso', id: request.data.id } })]);
      }
    })().catch(() => undefined);
    const client = new LazyPirateClient(router.lastEndpoint!, { timeoutMs: 300, retries: 3 });
    try {
      const reply = await client.request({ service: 'login', data: { user: 'ana', id: 'req-1' } });
      assert.deepEqual(reply, { service: 'login', data: { status: 'sucesso', id: 'req-1' } });
      assert.equal(seen.length, 2);
      assert.deepEqual(seen[1], seen[0]);
      assert.equal(decodeChatMessage(seen[0]!).data.id, 'req-1');
    } finally {
      client.close();
      router.close();
      await served;
    }
  });

  it('serialises concurrent callers', async () => {
    const router = new Router({ linger: 0 });
    await router.bind(LOCAL);
    const served = (async () => {
      for await (const [identity, delimiter, body] of router) {
        const request = decodeChatMessage(body!);
        await router.send([identity!, delimiter!, encodeChatMessage({ service: request.service, data: { n: request.data.n } })]);
      }
    })().catch(() => undefined);
    const client = new LazyPirateClient(router.lastEndpoint!, { timeoutMs: 5_000, retries: 0 });
    try {
      const replies = await Promise.all(Array.from({ length: 10 }, (_, n) => client.request({ service: 'users', data: { n } })));
      assert.deepEqual(
        replies.map((reply: ChatMessage) => reply.data.n),
        Array.from({ length: 10 }, (_, n) => n),
      );
    } finally {
      client.close();
      router.close();
      await served;
    }
  });

  it('gives up with BrokerUnreachableError after its retries', async () => {
    const client = new LazyPirateClient(`tcp://127.0.0.1:${await freePort()}`, { timeoutMs: 100, retries: 2 });
    try {
      await assert.rejects(client.request({ service: 'users', data: {} }), (err: unknown) => {
        assert.ok(err instanceof BrokerUnreachableError);
        assert.match(err.message, /after 3 tries of 100 ms/);
        return true;
      });
    } finally {
      client.close();
    }
  });

  it('rejects a waiting request when closed, and every request after', async () => {
    const client = new LazyPirateClient(`tcp://127.0.0.1:${await freePort()}`, { timeoutMs: 60_000 });
    const waiting = client.request({ service: 'users', data: {} });
    await sleep(50);
    client.close();
    await assert.rejects(waiting, ClientClosedError);
    await assert.rejects(client.request({ service: 'users', data: {} }), ClientClosedError);
  });
});

describe('chat zmq infrastructure commands', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-zmq-commands-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('run the broker, proxy and reference until Ctrl-C', async () => {
    const [a, b, c, d, e] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const roles = [
      { args: ['broker', '--frontend-port', String(a), '--backend-port', String(b)], line: `clients connect to tcp://127.0.0.1:${a}` },
      { args: ['proxy', '--xsub-port', String(c), '--xpub-port', String(d)], line: `subscribers to tcp://127.0.0.1:${d}` },
      { args: ['reference', '--port', String(e), '--stale-after', '10s', '--data-dir', dataDir], line: `servers connect to tcp://127.0.0.1:${e}` },
    ];
    const children = roles.map((role) => startCli(['chat', 'zmq', ...role.args, '--host', '127.0.0.1']));
    try {
      for (const [i, child] of children.entries()) await waitFor(() => child.output().includes(roles[i]!.line), `${roles[i]!.args[0]} to start`, 20_000);
      const peer = new PeerClient(`tcp://127.0.0.1:${e}`);
      try {
        assert.equal((await peer.request({ service: 'rank', data: { user: 's1' } }, 5_000)).data.rank, 1);
      } finally {
        peer.close();
      }
      for (const child of children) child.kill('SIGINT');
      for (const child of children) assert.equal(await exitOf(child), 0, child.output());
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('says which port is taken', async () => {
    const taken = new Router({ linger: 0 });
    try {
      await taken.bind(LOCAL);
      const port = taken.lastEndpoint!.split(':').pop()!;
      const reference = startCli(['chat', 'zmq', 'reference', '--host', '127.0.0.1', '--port', port, '--data-dir', dataDir]);
      assert.equal(await exitOf(reference), 1);
      assert.match(reference.output(), new RegExp(`cannot bind tcp://127\\.0\\.0\\.1:${port}: the port is taken`));
      // The broker binds with node:net rather than libzmq: the same message.
      const broker = startCli(['chat', 'zmq', 'broker', '--host', '127.0.0.1', '--frontend-port', port, '--backend-port', '0']);
      assert.equal(await exitOf(broker), 1);
      assert.match(broker.output(), new RegExp(`cannot bind tcp://127\\.0\\.0\\.1:${port}: the port is taken`));
    } finally {
      taken.close();
    }
  });
});
