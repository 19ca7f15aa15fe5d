import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { Publisher, Reply } from 'zeromq';
import { LamportClock } from '../../src/systems/chat/domain/lamport-clock.ts';
import { toWireTimestamp } from '../../src/systems/chat/domain/timestamp.ts';
import { botCommand } from '../../src/systems/chat/zmq/commands/bot-command.ts';
import { type Broker, startBroker } from '../../src/systems/chat/zmq/roles/broker.ts';
import { randomBotName, runChatBot } from '../../src/systems/chat/zmq/roles/chat-bot.ts';
import { ChatRequestError, ChatSession, NotLoggedInError } from '../../src/systems/chat/zmq/roles/chat-session.ts';
import { runInteractiveClient } from '../../src/systems/chat/zmq/roles/interactive-client.ts';
import { type PubSubProxy, startPubSubProxy } from '../../src/systems/chat/zmq/roles/proxy.ts';
import { type ChatMessage, decodeChatMessage, encodeChatMessage } from '../../src/systems/chat/zmq/wire/chat-message.ts';
import { type Publication, encodePublication } from '../../src/systems/chat/zmq/wire/publication.ts';
import { freePort } from '../helpers/engines.ts';
import { sleep, waitFor } from '../helpers/wait.ts';
import { textSink } from '../helpers/text-sink.ts';

/**
 * A stand-in for the chat server, enough to exercise the client side: a REP socket behind the broker that
 * answers the six services from memory (applying each write id once) and publishes through the proxy.
 */
class StandInServer {
  readonly clock = new LamportClock();
  readonly users: string[] = [];
  readonly channels: string[] = [];
  /** Every request as it arrived, retries included. */
  readonly received: ChatMessage[] = [];
  /** Replies by write id, so that a retried write is answered again without being applied twice. */
  readonly #applied = new Map<string, Record<string, unknown>>();
  /** Services whose first request gets its reply only after this long (the client will have given up on it). */
  readonly delayFirst = new Map<string, number>();
  readonly #rep = new Reply({ linger: 0 });
  readonly #pub = new Publisher({ linger: 0 });
  #publishing: Promise<unknown> = Promise.resolve();
  #serving: Promise<void> = Promise.resolve();

  static start(broker: Broker, proxy: PubSubProxy): StandInServer {
    const server = new StandInServer();
    server.#rep.connect(broker.backendEndpoint);
    server.#pub.connect(proxy.xsubEndpoint);
    server.#serving = server.#serve();
    return server;
  }

  /** Publishes with the server's clock, in order with its other publications. */
  publish(topic: string, payload: Record<string, unknown>): Promise<unknown> {
    const frames = encodePublication(topic, { ...payload, timestamp: toWireTimestamp(Date.now()), clock: this.clock.tick() });
    this.#publishing = this.#publishing.then(() => this.#pub.send(frames));
    return this.#publishing;
  }

  async close(): Promise<void> {
    this.#rep.close();
    this.#pub.close();
    await this.#serving;
  }

  async #serve(): Promise<void> {
    const delayed = new Set<string>();
    try {
      for await (const [frame] of this.#rep) {
        const request = decodeChatMessage(frame!);
        this.received.push(request);
        this.clock.observe(request.data.clock);
        const data = await this.#answer(request);
        const hold = this.delayFirst.get(request.service);
        if (hold !== undefined && !delayed.has(request.service)) {
          delayed.add(request.service);
          await sleep(hold);
        }
        await this.#rep.send(encodeChatMessage({ service: request.service, data: { ...data, timestamp: toWireTimestamp(Date.now()), clock: this.clock.tick() } }));
      }
    } catch (err) {
      if (!this.#rep.closed) throw err;
    }
  }

  async #answer({ service, data }: ChatMessage): Promise<Record<string, unknown>> {
    const id = typeof data.id === 'string' ? data.id : undefined;
    const earlier = id === undefined ? undefined : this.#applied.get(id);
    if (earlier) return earlier;
    const answer = await this.#apply(service, data);
    if (id !== undefined) this.#applied.set(id, answer);
    return answer;
  }

  async #apply(service: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : '');
    switch (service) {
      case 'login':
        if (!text('user')) return { status: 'erro', description: 'say who: {"user": "<name>"}' };
        if (!this.users.includes(text('user'))) this.users.push(text('user'));
        return { status: 'sucesso' };
      case 'users':
        return { users: [...this.users] };
      case 'channel':
        if (this.channels.includes(text('channel'))) return { status: 'erro', description: `channel ${text('channel')} already exists` };
        this.channels.push(text('channel'));
        return { status: 'sucesso' };
      case 'channels':
        return { channels: [...this.channels] };
      case 'publish':
        if (!this.channels.includes(text('channel'))) return { status: 'erro', message: `channel ${text('channel')} does not exist` };
        await this.publish(text('channel'), { user: text('user'), channel: text('channel'), message: text('message') });
        return { status: 'OK' };
      case 'message':
        if (!this.users.includes(text('dst'))) return { status: 'erro', message: `user ${text('dst')} does not exist` };
        await this.publish(text('dst'), { from: text('src'), message: text('message') });
        return { status: 'OK' };
      default:
        return { status: 'erro', description: `unknown service ${service}` };
    }
  }
}

function collect(session: ChatSession): Publication[] {
  const seen: Publication[] = [];
  session.onPublication((publication) => seen.push(publication));
  return seen;
}

/** Subscriptions travel up through the proxy after the connect: probe until one comes back. */
async function untilSubscribed(server: StandInServer, seen: Publication[], topic: string): Promise<void> {
  const probe = `probe-${randomUUID()}`;
  await waitFor(async () => {
    await server.publish(topic, { user: 'probe', channel: topic, message: probe });
    await sleep(20);
    return seen.some((p) => p.topic === topic && p.payload.message === probe);
  }, `the subscription to ${topic} to reach the publisher`);
}


describe('chat over ZeroMQ: the client side, through a real broker and proxy', { timeout: 60_000 }, () => {
  let broker: Broker;
  let proxy: PubSubProxy;
  let server: StandInServer;
  const sessions: ChatSession[] = [];

  const open = async (options: { timeoutMs?: number; retries?: number } = {}) => {
    const session = await ChatSession.open({ broker: broker.frontendEndpoint, proxy: proxy.xpubEndpoint, ...options });
    sessions.push(session);
    return session;
  };

  before(async () => {
    broker = await startBroker({ frontend: `tcp://127.0.0.1:${await freePort()}`, backend: `tcp://127.0.0.1:${await freePort()}` });
    proxy = await startPubSubProxy({ xsub: `tcp://127.0.0.1:${await freePort()}`, xpub: `tcp://127.0.0.1:${await freePort()}` });
    server = StandInServer.start(broker, proxy);
  });

  after(async () => {
    for (const session of sessions) await session.close();
    await server.close();
    await broker.close();
    await proxy.close();
  });

  it('drives the six services, with timestamp, a growing Lamport clock, and ids on writes only', async () => {
    const session = await open();
    const from = server.received.length;
    await session.login('ana');
    assert.equal(session.user, 'ana');
    assert.ok((await session.users()).includes('ana'));
    await session.createChannel('geral');
    assert.ok((await session.channels()).includes('geral'));
    await session.publish('geral', 'olá');
    await session.message('ana', 'para mim');

    const requests = server.received.slice(from);
    assert.deepEqual(requests.map((r) => r.service), ['login', 'users', 'channel', 'channels', 'publish', 'message']);
    assert.deepEqual(requests[4]!.data.user, 'ana', 'publish is sent as the logged-in user');
    assert.deepEqual(requests[5]!.data.src, 'ana');
    for (const { service, data } of requests) {
      assert.equal(typeof data.timestamp, 'number', service);
      assert.ok(Math.abs((data.timestamp as number) * 1000 - Date.now()) < 60_000, `${service}: the timestamp is Unix seconds`);
      assert.equal(typeof data.id === 'string', ['login', 'channel', 'publish', 'message'].includes(service), `${service}: an id on writes only`);
    }
    assert.equal(new Set(requests.map((r) => r.data.id).filter(Boolean)).size, 4, 'every write has an id of its own');
    const clocks = requests.map((r) => r.data.clock as number);
    for (let i = 1; i < clocks.length; i++) assert.ok(clocks[i]! > clocks[i - 1]!, `clocks grow: ${clocks.join(', ')}`);
    // The server ticked past each request's clock for its reply, and the session took that in.
    assert.ok(clocks[1]! > clocks[0]! + 1, 'the reply clock was observed between two sends');
    assert.ok(session.clock.value >= server.clock.value, `session ${session.clock.value}, server ${server.clock.value}`);
  });

  it("rejects with the server's reason on an erro reply, from description or message", async () => {
    const session = await open();
    const before = server.received.length;
    await assert.rejects(session.publish('geral', 'x'), NotLoggedInError);
    await assert.rejects(session.message('ana', 'x'), NotLoggedInError);
    assert.equal(server.received.length, before, 'nothing was sent without a user');
    await session.login('bia');
    await assert.rejects(session.publish('nowhere', 'x'), (err: unknown) => err instanceof ChatRequestError && err.service === 'publish' && err.reason === 'channel nowhere does not exist');
    await assert.rejects(session.createChannel('geral').then(() => session.createChannel('geral')), (err: unknown) => err instanceof ChatRequestError && /already exists/.test(err.reason));
    await assert.rejects(session.call('dance').then((reply) => assert.fail(JSON.stringify(reply))), /unknown service dance/);
  });

  it('delivers only publications on exactly the topics subscribed, and observes their clocks', async () => {
    if (!server.channels.includes('geral')) server.channels.push('geral');
    const session = await open();
    const seen = collect(session);
    session.subscribe('ana');
    session.subscribe('geral');
    await untilSubscribed(server, seen, 'geral');
    await untilSubscribed(server, seen, 'ana');
    seen.length = 0;

    // ZeroMQ matches prefixes: these reach the socket, and the session must drop them.
    await server.publish('anabel', { from: 'x', message: 'not for ana' });
    await server.publish('geral2', { user: 'x', channel: 'geral2', message: 'not for geral' });
    await server.publish('ana', { from: 'bob', message: 'for ana' });
    server.clock.observe(5_000);
    await server.publish('geral', { user: 'bob', channel: 'geral', message: 'last' });
    await waitFor(() => seen.some((p) => p.payload.message === 'last'), 'the last publication');
    assert.deepEqual(seen.map((p) => [p.topic, p.payload.message]), [['ana', 'for ana'], ['geral', 'last']]);
    assert.ok(session.clock.value > 5_000, 'the publication clock was observed');

    session.unsubscribe('geral');
    await sleep(100); // the unsubscription travels up like the subscription did
    await server.publish('geral', { user: 'bob', channel: 'geral', message: 'after leaving' });
    await server.publish('ana', { from: 'bob', message: 'marker' });
    await waitFor(() => seen.some((p) => p.payload.message === 'marker'), 'the marker');
    assert.ok(!seen.some((p) => p.payload.message === 'after leaving'), 'nothing from an unsubscribed topic');
  });

  it('drops a publication that comes twice with the same id (a retried write published again)', async () => {
    const session = await open();
    const seen = collect(session);
    session.subscribe('ana');
    await untilSubscribed(server, seen, 'ana');
    seen.length = 0;
    await server.publish('ana', { from: 'bob', message: 'once', id: 'op-1' });
    await server.publish('ana', { from: 'bob', message: 'once', id: 'op-1' });
    await server.publish('ana', { from: 'bob', message: 'twice, no id' });
    await server.publish('ana', { from: 'bob', message: 'twice, no id' });
    await server.publish('ana', { from: 'bob', message: 'marker', id: 'op-2' });
    await waitFor(() => seen.some((p) => p.payload.message === 'marker'), 'the marker');
    assert.deepEqual(
      seen.map((p) => p.payload.message),
      ['once', 'twice, no id', 'twice, no id', 'marker'],
    );
  });

  it('resends a request that timed out with the same id, and the server applies it once', async () => {
    const session = await open({ timeoutMs: 400, retries: 3 });
    const from = server.received.length;
    server.delayFirst.set('login', 600);
    try {
      await session.login('carla');
    } finally {
      server.delayFirst.delete('login');
    }
    const logins = server.received.slice(from).filter((r) => r.service === 'login');
    assert.ok(logins.length >= 2, `the login was sent again (${logins.length} times)`);
    assert.equal(new Set(logins.map((r) => r.data.id)).size, 1, 'every try carried the same id');
    assert.equal(new Set(logins.map((r) => r.data.clock)).size, 1, 'and the same bytes: the clock was not ticked again');
    assert.equal(server.users.filter((u) => u === 'carla').length, 1);
    // The session goes on working after the retry.
    assert.ok((await session.users()).includes('carla'));
  });

  it('runs the interactive client over a real session', async () => {
    const session = await open();
    const input = new PassThrough();
    const output = textSink();
    const done = runInteractiveClient({ session, input, output, terminal: false });
    input.write('/login dora\n/channel dora-sala\n/join dora-sala\n');
    await waitFor(() => output.text.includes('joined #dora-sala'), 'the join');
    // Keep saying hello until the subscription has reached the publisher and one comes back.
    await waitFor(async () => {
      input.write('oi sala\n');
      await sleep(50);
      return /\d\d:\d\d:\d\d \[#dora-sala\] dora: oi sala/.test(output.text);
    }, 'the publication to show');
    input.write('/users\n/quit\n');
    await done;
    assert.match(output.text, /users \(\d+\): .*dora/);
  });

  it('runs a bot for a bounded number of messages, creating a channel when there is none', async () => {
    server.channels.length = 0;
    const session = await open();
    const lines: string[] = [];
    const name = randomBotName();
    assert.match(name, /^bot-[a-z]+-[0-9a-f]{4}$/);
    const summary = await runChatBot({ session, user: name, intervalMs: 0, pauseMs: { min: 0, max: 0 }, messages: 25, log: (line) => lines.push(line), summaryEveryMs: 0 });
    assert.equal(summary.sent, 25);
    assert.equal(summary.failed, 0);
    assert.ok(server.channels.includes('geral'), 'it created geral');
    const published = server.received.filter((r) => r.service === 'publish' && r.data.user === name);
    assert.equal(published.length, 25);
    // Ten to a channel, then a fresh pick: each message says where it is in its batch, and a batch keeps to one channel.
    const positions = published.map((r) => Number(/\((\d+)\/10\)$/.exec(String(r.data.message))?.[1]));
    assert.deepEqual(positions, Array.from({ length: 25 }, (_, i) => (i % 10) + 1));
    for (let i = 1; i < published.length; i++) if (positions[i] !== 1) assert.equal(published[i]!.data.channel, published[i - 1]!.data.channel);
    assert.ok(summary.clock >= published.length, 'its clock went up with every send');
  });

  it('bot command: logs in, creates --channels, and stops after --messages', async () => {
    const io = { stdout: textSink(), stderr: textSink() };
    const code = await botCommand(
      ['--broker', broker.frontendEndpoint, '--proxy', proxy.xpubEndpoint, '--interval', '0', '--pause', '0', '--channels', 'bots-a,bots-b', '--messages', '12', '--user', 'bot-cli'],
      io,
    );
    assert.equal(code, 0, io.stderr.text);
    assert.ok(server.channels.includes('bots-a') && server.channels.includes('bots-b'));
    assert.match(io.stdout.text, /bot-cli: stopped after 12 sent, 0 failed/);
    assert.equal(server.received.filter((r) => r.service === 'publish' && r.data.user === 'bot-cli').length, 12);
  });
});
