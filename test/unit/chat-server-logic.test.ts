import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { berkeleyAdjustments, withinReadingError } from '../../src/systems/chat/domain/berkeley.ts';
import { ChatState } from '../../src/systems/chat/domain/chat-state.ts';
import { PhysicalClock } from '../../src/systems/chat/domain/physical-clock.ts';
import type { OpLog } from '../../src/systems/chat/store/op-log.ts';
import { openSqliteOpLog } from '../../src/systems/chat/store/sqlite-op-log.ts';
import { BullyElection } from '../../src/systems/chat/zmq/roles/bully-election.ts';
import { ClientService } from '../../src/systems/chat/zmq/roles/client-service.ts';
import { PeerDirectory } from '../../src/systems/chat/zmq/roles/peer-directory.ts';
import type { PublicationSender } from '../../src/systems/chat/zmq/roles/publication-sender.ts';
import { Replicator } from '../../src/systems/chat/zmq/roles/replicator.ts';
import { ServerContext } from '../../src/systems/chat/zmq/roles/server-context.ts';
import { type ChatMessage, decodeChatMessage, encodeChatMessage } from '../../src/systems/chat/zmq/wire/chat-message.ts';

describe('Berkeley adjustments', () => {
  it('moves every clock to the average of the readings, counting half the round trip as travel time', () => {
    const base = 1_000_000;
    const adjustments = berkeleyAdjustments([
      { name: 'coordinator', time: base, sentAt: base, receivedAt: base },
      // read its clock halfway through a 10 ms round trip (coordinator time base - 5) and said base + 40: +45
      { name: 'fast', time: base + 40, sentAt: base - 10, receivedAt: base },
      // 20 ms behind, instant round trip
      { name: 'slow', time: base - 20, sentAt: base, receivedAt: base },
    ]);
    const average = (0 + 45 - 20) / 3;
    assert.ok(Math.abs(adjustments.get('coordinator')! - average) < 1e-9);
    assert.ok(Math.abs(adjustments.get('fast')! - (average - 45)) < 1e-9);
    assert.ok(Math.abs(adjustments.get('slow')! - (average + 20)) < 1e-9);
    const corrected = [0 + adjustments.get('coordinator')!, 45 + adjustments.get('fast')!, -20 + adjustments.get('slow')!];
    for (const offset of corrected) assert.ok(Math.abs(offset - corrected[0]!) < 1e-9, 'every clock lands on the same time');
  });

  it('leaves a wild clock out of the average but still corrects it', () => {
    const t = 5_000_000;
    const adjustments = berkeleyAdjustments([
      { name: 'a', time: t, sentAt: t, receivedAt: t },
      { name: 'b', time: t + 2, sentAt: t, receivedAt: t },
      { name: 'broken', time: t + 3_600_000, sentAt: t, receivedAt: t },
    ]);
    assert.equal(adjustments.get('a'), 1);
    assert.equal(adjustments.get('broken'), 1 - 3_600_000);
  });

  it('holds back a correction no larger than half its reading\'s round trip, and sends a larger one', () => {
    const reading = { name: 'b', time: 1_000, sentAt: 990, receivedAt: 994 };
    assert.equal(withinReadingError(reading, 2), true, 'a 4 ms round trip leaves ±2 ms of doubt');
    assert.equal(withinReadingError(reading, -1.5), true);
    assert.equal(withinReadingError(reading, 2.5), false);
    assert.equal(withinReadingError(reading, -45), false);
    assert.equal(withinReadingError({ ...reading, receivedAt: 990 }, 0.1), false, 'an exact reading leaves no doubt');
  });

  it('a physical clock is the system time plus what the rounds applied', () => {
    let now = 100;
    const clock = new PhysicalClock(() => now);
    clock.adjust(25);
    clock.adjust(-5);
    now = 200;
    assert.equal(clock.now(), 220);
    clock.adjust(Number.NaN);
    assert.equal(clock.offsetMs, 20);
  });
});

describe('bully election', () => {
  function cluster(ranks: Record<string, number>, alive: Set<string>) {
    const announced: string[] = [];
    const elections = new Map<string, BullyElection>();
    for (const name of Object.keys(ranks)) {
      elections.set(
        name,
        new BullyElection(
          {
            self: () => ({ name, rank: ranks[name]! }),
            servers: async () => Object.entries(ranks).map(([n, rank]) => ({ name: n, rank })),
            ask: async (other) => {
              if (!alive.has(other)) throw new Error('unreachable');
              void elections.get(other)!.run();
              return true;
            },
            announce: async () => {
              announced.push(name);
              for (const [other, election] of elections) if (alive.has(other)) election.onAnnouncement(name, ranks[name]);
            },
          },
          200,
        ),
      );
    }
    return { announced, elections };
  }

  it('the highest live server wins, whoever starts it', async () => {
    const { announced, elections } = cluster({ s1: 1, s2: 2, s3: 3 }, new Set(['s1', 's2']));
    await elections.get('s1')!.run();
    assert.deepEqual(announced, ['s2']);
    assert.equal(elections.get('s1')!.coordinator, 's2');
    assert.equal(elections.get('s2')!.coordinator, 's2');
  });

  it('a lower server announcing itself is bullied by a higher one', async () => {
    const { announced, elections } = cluster({ s1: 1, s2: 2 }, new Set(['s1', 's2']));
    elections.get('s2')!.onAnnouncement('s1', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(announced, ['s2']);
    assert.equal(elections.get('s1')!.coordinator, 's2');
  });
});

describe('the client service', () => {
  function server(name = 's1', log: OpLog = openSqliteOpLog(':memory:')) {
    const ctx = new ServerContext(name);
    const state = new ChatState();
    const replicator = new Replicator(ctx, log, state, new PeerDirectory(name));
    const published: Array<{ topic: string; payload: Record<string, unknown> }> = [];
    const publications = { publish: (topic: string, payload: Record<string, unknown>) => published.push({ topic, payload }) } as unknown as PublicationSender;
    let handled = 0;
    const service = new ClientService({ ctx, state, replicator, publications, maxMessageBytes: 1_024, onHandled: () => handled++ });
    const call = async (service_: string, data: Record<string, unknown>, clock = 0): Promise<ChatMessage> =>
      decodeChatMessage(await service.handle(encodeChatMessage({ service: service_, data: { timestamp: 1_764_000_000, clock, ...data } })));
    return { call, service, state, published, handled: () => handled, log };
  }

  it('answers the six services in the course format and publishes on the right topics', async () => {
    const { call, published } = server();
    assert.equal((await call('login', { user: 'ana' })).data.status, 'sucesso');
    assert.equal((await call('login', { user: 'bob' })).data.status, 'sucesso');
    assert.equal((await call('channel', { channel: 'geral' })).data.status, 'sucesso');
    assert.deepEqual((await call('users', {})).data.users, ['ana', 'bob']);
    const channels = await call('channels', {});
    assert.deepEqual(channels.data.channels, ['geral']);
    assert.deepEqual(channels.data.users, ['geral'], 'the course text names the list "users" in the channels reply, and a client written from it reads that');
    assert.equal((await call('publish', { user: 'ana', channel: 'geral', message: 'oi' })).data.status, 'OK');
    assert.equal((await call('message', { src: 'ana', dst: 'bob', message: 'psiu' })).data.status, 'OK');
    assert.deepEqual(
      published.map((p) => [p.topic, p.payload.user ?? p.payload.from, p.payload.message]),
      [
        ['geral', 'ana', 'oi'],
        ['bob', 'ana', 'psiu'],
      ],
    );
    assert.equal(published[0]!.payload.timestamp, 1_764_000_000);
  });

  it('applies a retried write once, by its id, and still says OK', async () => {
    const { call, state, published } = server();
    await call('login', { user: 'ana' });
    await call('channel', { channel: 'geral', id: 'c-1' });
    assert.equal((await call('channel', { channel: 'geral', id: 'c-1' })).data.status, 'sucesso', 'the retry of the same creation');
    assert.equal((await call('channel', { channel: 'geral', id: 'c-2' })).data.status, 'erro', 'a second creation of the same name');
    await call('publish', { user: 'ana', channel: 'geral', message: 'once', id: 'p-1' });
    await call('publish', { user: 'ana', channel: 'geral', message: 'once', id: 'p-1' });
    assert.equal(state.ops().filter((op) => op.kind === 'publish').length, 1);
    assert.equal(published.length, 1);
  });

  it('takes a write back when its transaction fails, so its retry is written, not told OK for nothing', async () => {
    const sqlite = openSqliteOpLog(':memory:');
    let failNext = false;
    // The real SQLite log, with one transaction made to fail as a full disk would.
    const log: OpLog = Object.assign(Object.create(sqlite) as OpLog, {
      appendMany(ops: Parameters<OpLog['appendMany']>[0]) {
        if (failNext) {
          failNext = false;
          throw new Error('SQLITE_FULL: database or disk is full');
        }
        return sqlite.appendMany(ops);
      },
    });
    const { call, state, published } = server('s1', log);
    await call('login', { user: 'ana' });
    await call('channel', { channel: 'geral' });
    failNext = true;
    const failed = await call('publish', { user: 'ana', channel: 'geral', message: 'kept?', id: 'p-9' });
    assert.equal(failed.data.status, 'erro');
    assert.match(String(failed.data.message), /disk is full; try again/);
    assert.equal(state.has('p-9'), false, 'the state holds only what the log holds');
    assert.equal(published.length, 0, 'nothing published that is on no disk');

    assert.equal((await call('publish', { user: 'ana', channel: 'geral', message: 'kept?', id: 'p-9' })).data.status, 'OK');
    assert.deepEqual(sqlite.get(['p-9']).map((op) => op.id), ['p-9'], 'the retry reached the disk');
    assert.equal(published.length, 1);
  });

  it('replies erro with a reason, in description and message, to every kind of bad request', async () => {
    const { call, service, handled } = server();
    const reasons: string[] = [];
    for (const frame of [Buffer.from([0xc1]), Buffer.from([0x93, 1, 2, 3]), encodeChatMessage({ service: 'x', data: { pad: 'y'.repeat(2_000) } })]) {
      const reply = decodeChatMessage(await service.handle(frame));
      assert.equal(reply.data.status, 'erro');
      reasons.push(String(reply.data.description));
    }
    for (const [svc, data] of [
      ['dance', {}],
      ['login', {}],
      ['login', { user: 42 }],
      ['login', { user: 'ana', timestamp: 'yesterday' }],
      ['login', { user: 'ana', id: 7 }],
      ['publish', { user: 'ana', channel: 'nowhere', message: 'x' }],
    ] as const) {
      const reply = await call(svc, data);
      assert.equal(reply.data.status, 'erro', `${svc} ${JSON.stringify(data)}`);
      assert.equal(reply.data.description, reply.data.message);
      reasons.push(String(reply.data.description));
    }
    assert.equal(new Set(reasons).size, reasons.length, 'each failure has its own reason');
    assert.equal(handled(), 6, 'only decodable requests count towards the Berkeley rounds');
  });

  it('refuses timestamp 0 with a reason', async () => {
    const { call, state } = server();
    for (const timestamp of [0, '0', '1970-01-01T00:00:00Z']) {
      const reply = await call('login', { user: 'ana', timestamp });
      assert.equal(reply.data.status, 'erro', JSON.stringify(timestamp));
      assert.match(String(reply.data.description), /data\.timestamp .*0 is no time/);
    }
    assert.equal(state.size, 0);
  });

  it('accepts timestamps in seconds, milliseconds and ISO 8601', async () => {
    const { call, state } = server();
    await call('login', { user: 'a', timestamp: 1_764_000_000 });
    await call('login', { user: 'b', timestamp: 1_764_000_000_500 });
    await call('login', { user: 'c', timestamp: '2025-11-24T16:00:00Z' });
    assert.deepEqual(
      state.ops().map((op) => op.at),
      [1_764_000_000_000, 1_764_000_000_500, Date.parse('2025-11-24T16:00:00Z')],
    );
  });

  it('keeps a Lamport clock: each reply is later than the request that caused it', async () => {
    const { call } = server();
    const reply = await call('login', { user: 'ana' }, 41);
    assert.ok((reply.data.clock as number) > 41);
    const next = await call('users', {}, 3);
    assert.ok((next.data.clock as number) > (reply.data.clock as number));
  });
});

describe('peer pusher', () => {
  it('sends the ops pushed together in one request, then those that queued behind it in the next', async () => {
    const { PeerPusher } = await import('../../src/systems/chat/zmq/roles/peer-pusher.ts');
    const batches: string[][] = [];
    let release: (ok: boolean) => void = () => {};
    const pusher = new PeerPusher((ops) => {
      batches.push(ops.map((op) => op.id));
      return new Promise((resolve) => (release = resolve));
    }, 0);
    const op = (id: string) => ({ id, origin: 's1', clock: 1, at: 0, kind: 'login' as const, user: 'u' });
    const first = [pusher.push(op('a')), pusher.push(op('b'))];
    await Promise.resolve();
    const queued = [pusher.push(op('c')), pusher.push(op('d'))];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [['a', 'b']], 'the ops of one turn go in the first request; the rest wait for its answer');
    release(true);
    assert.deepEqual(await Promise.all(first), [true, true]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [['a', 'b'], ['c', 'd']], 'the ops that waited go in one request');
    release(false);
    assert.deepEqual(await Promise.all(queued), [false, false], 'a batch the peer did not take is reported for each op');
  });

  it('when idle, lingers so that ops pushed over the next turns share the first request', async () => {
    const { PeerPusher } = await import('../../src/systems/chat/zmq/roles/peer-pusher.ts');
    const batches: string[][] = [];
    const pusher = new PeerPusher(async (ops) => {
      batches.push(ops.map((op) => op.id));
      return true;
    }, 30);
    const op = (id: string) => ({ id, origin: 's1', clock: 1, at: 0, kind: 'login' as const, user: 'u' });
    const pushed = [pusher.push(op('a'))];
    await new Promise((resolve) => setImmediate(resolve));
    pushed.push(pusher.push(op('b')));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [], 'nothing goes out during the linger');
    assert.deepEqual(await Promise.all(pushed), [true, true]);
    assert.deepEqual(batches, [['a', 'b']]);
  });
});
