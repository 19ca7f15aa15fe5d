import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ChatSession } from '../../src/systems/chat/zmq/roles/chat-session.ts';
import { ChatClient, type Frame } from '../helpers/chat-ws-client.ts';
import { ChatZmqCluster, type Recorder } from '../helpers/chat-zmq-fixture.ts';
import { exitOf, freePort, startCli, stopGracefully } from '../helpers/cli-process.ts';
import { engine } from '../helpers/engines.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const redis = engine('redis');
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
/** Long enough for a duplicate or an echo to arrive, were there one: each hop here takes milliseconds. */
const QUIET_MS = 1_500;

const text = (frame: Frame) => (frame.payload as { message?: unknown }).message;

describe('chat ws bridge between the WebSocket and ZeroMQ doors', { skip: redis.skip, timeout: 240_000 }, () => {
  const channel = unique('chat-bridge-test');
  const keyPrefix = `${unique('chat-bridge-test')}:`;
  const processes: Array<ReturnType<typeof startCli>> = [];
  const clients: ChatClient[] = [];
  const recorders: Recorder[] = [];
  let cluster: ChatZmqCluster;
  let wsUrl: string;
  let zed: ChatSession;

  const bridgeArgs = (instance: string) => ['chat', 'ws', 'bridge', '--bus', redis.url!, '--broker', cluster.broker, '--proxy', cluster.proxy, '--instance', instance, '--channel', channel, '--key-prefix', keyPrefix];
  const wsUser = (name: string) => ({ id: unique(name), username: name });
  const join = async (user: { id: string; username: string }, rooms: string[]) => {
    const client = await ChatClient.joined(wsUrl, user, rooms);
    clients.push(client);
    return client;
  };
  const record = (...topics: string[]) => {
    const recorder = cluster.subscribe(...topics);
    recorders.push(recorder);
    return recorder;
  };
  /** Both ways are open once a message crosses each way: the bridge's and the ZeroMQ clients' subscriptions are through. */
  const untilBridged = async (ws: ChatClient, room: string, recorder: Recorder) => {
    await waitFor(
      async () => {
        await zed.publish(room, 'ping from zmq');
        ws.send({ type: 'publish', room, payload: 'ping from ws' });
        await sleep(200);
        return ws.of('message', (f) => text(f) === 'ping from zmq').length > 0 && recorder.received.some((p) => p.payload.message === 'ping from ws');
      },
      'a first message to cross each way',
      30_000,
    );
  };

  before(async () => {
    cluster = await ChatZmqCluster.start({ servers: 1 });
    zed = await ChatSession.open({ broker: cluster.broker, proxy: cluster.proxy });
    await zed.login('zed');
    const port = await freePort();
    const server = startCli(['chat', 'ws', 'server', '--port', String(port), '--host', '127.0.0.1', '--instance', 'w1', '--bus', redis.url!, '--anonymous', '--channel', channel, '--key-prefix', keyPrefix, '--rate', '2000', '--burst', '2000'], { MENSAGEIRO_LOG_LEVEL: 'warn' });
    processes.push(server);
    await waitFor(() => server.output().includes('listening on') || server.exitCode !== null, 'the ws server to listen', 30_000);
    assert.equal(server.exitCode, null, server.output());
    wsUrl = `ws://127.0.0.1:${port}/ws`;
    const bridge = startCli(bridgeArgs('bridge-a'), { MENSAGEIRO_LOG_LEVEL: 'warn' });
    processes.push(bridge);
    await waitFor(() => bridge.output().includes('Ctrl-C stops it') || bridge.exitCode !== null, 'the bridge to start', 60_000);
    assert.equal(bridge.exitCode, null, bridge.output());
  });

  after(async () => {
    for (const client of clients) client.close();
    for (const recorder of recorders) recorder.close();
    await zed?.close();
    for (const child of processes.reverse()) await stopGracefully(child, 15_000);
    await cluster?.stop();
  });

  it('delivers a channel message each way exactly once, and echoes neither back', async () => {
    const room = unique('geral');
    await zed.createChannel(room);
    zed.subscribe(room);
    const recorder = record(room);
    const wanda = await join(wsUser('wanda'), [room]);
    await untilBridged(wanda, room, recorder);

    await zed.publish(room, 'hello from zmq');
    wanda.send({ type: 'publish', room, payload: 'hello from ws' });
    await wanda.next((f) => f.type === 'message' && text(f) === 'hello from zmq', 'the ZeroMQ message on the WebSocket side');
    await waitFor(() => recorder.received.some((p) => p.payload.message === 'hello from ws'), 'the WebSocket message on the ZeroMQ side');
    await sleep(QUIET_MS);

    const onWs = wanda.of('message', (f) => text(f) === 'hello from zmq');
    assert.equal(onWs.length, 1);
    assert.deepEqual(onWs[0]!.user, { id: 'zmq:zed', username: 'zed' });
    assert.equal(wanda.of('message', (f) => text(f) === 'hello from ws').length, 1, 'the sender sees its own message once, not again through the ZeroMQ side');
    const onZmq = recorder.received.filter((p) => p.payload.message === 'hello from ws');
    assert.equal(onZmq.length, 1);
    assert.equal(onZmq[0]!.payload.user, 'wanda');
    assert.equal(recorder.received.filter((p) => p.payload.message === 'hello from zmq').length, 1, 'the ZeroMQ message is published once, not again through the WebSocket side');
  });

  it('carries direct messages both ways, by the names the bridge maps', async () => {
    const room = unique('dm');
    await zed.createChannel(room);
    const inbox = record('zed');
    const wilmaUser = wsUser('wilma');
    const wilma = await join(wilmaUser, [room]);
    // Joining a room logs the WebSocket user in on the ZeroMQ side, so that ZeroMQ users can write to it.
    await waitFor(async () => (await zed.users()).includes('wilma'), 'wilma to exist on the ZeroMQ side', 15_000);

    wilma.send({ type: 'direct_msg', toUserId: 'zmq:zed', payload: 'psst from ws' });
    await waitFor(() => inbox.received.some((p) => p.payload.message === 'psst from ws'), 'the direct message on the ZeroMQ side');
    await zed.message('wilma', 'psst from zmq');
    await wilma.next((f) => f.type === 'direct_message' && text(f) === 'psst from zmq', 'the direct message on the WebSocket side');
    await sleep(QUIET_MS);

    const onZmq = inbox.received.filter((p) => p.payload.message === 'psst from ws');
    assert.equal(onZmq.length, 1);
    assert.equal(onZmq[0]!.payload.from, 'wilma');
    const onWs = wilma.of('direct_message', (f) => text(f) === 'psst from zmq');
    assert.equal(onWs.length, 1);
    assert.deepEqual(onWs[0]!.user, { id: 'zmq:zed', username: 'zed' });
    assert.equal(onWs[0]!.toUserId, wilmaUser.id);
    assert.deepEqual(wilma.of('error'), [], 'the ZeroMQ user counts as online for direct messages');
    assert.equal(inbox.received.filter((p) => p.payload.message === 'psst from zmq').length, 0, 'a direct message to a WebSocket user does not come back to the ZeroMQ side');
  });

  it('creates on the ZeroMQ side a room that only the WebSocket side had', async () => {
    const room = unique('new-room');
    const recorder = record(room);
    const walt = await join(wsUser('walt'), [room]);
    walt.send({ type: 'publish', room, payload: 'first words' });
    await waitFor(async () => (await zed.channels()).includes(room), 'the room to exist as a channel', 15_000);
    await waitFor(() => recorder.received.some((p) => p.payload.message === 'first words'), 'the message in the new channel');
    await sleep(QUIET_MS);
    assert.equal(recorder.received.filter((p) => p.payload.message === 'first words').length, 1);
  });

  it('delivers a burst of 200 messages each way once each, in the order each sender sent them', async () => {
    const room = unique('burst');
    await zed.createChannel(room);
    const recorder = record(room);
    const wes = await join(wsUser('wes'), [room]);
    await untilBridged(wes, room, recorder);
    const count = 200;
    const fromWs = Array.from({ length: count }, (_, i) => `ws ${i}`);
    const fromZmq = Array.from({ length: count }, (_, i) => `zmq ${i}`);
    for (const message of fromWs) wes.send({ type: 'publish', room, payload: message });
    for (const message of fromZmq) await zed.publish(room, message);

    await waitFor(() => wes.of('message', (f) => String(text(f)).startsWith('zmq ')).length >= count, 'the ZeroMQ burst on the WebSocket side', 60_000);
    await waitFor(() => recorder.received.filter((p) => String(p.payload.message).startsWith('ws ')).length >= count, 'the WebSocket burst on the ZeroMQ side', 60_000);
    await sleep(QUIET_MS);
    assert.deepEqual(wes.of('message', (f) => String(text(f)).startsWith('zmq ')).map(text), fromZmq);
    assert.deepEqual(recorder.received.filter((p) => String(p.payload.message).startsWith('ws ')).map((p) => p.payload.message), fromWs);
    assert.deepEqual(wes.of('message', (f) => String(text(f)).startsWith('ws ')).map(text), fromWs, 'no WebSocket message comes back from the ZeroMQ side');
    assert.deepEqual(recorder.received.filter((p) => String(p.payload.message).startsWith('zmq ')).map((p) => p.payload.message), fromZmq, 'no ZeroMQ message comes back from the WebSocket side');
  });

  it('refuses a second bridge on the same bus while the first holds the lease', async () => {
    const second = startCli(bridgeArgs('bridge-b'), { MENSAGEIRO_LOG_LEVEL: 'warn' });
    processes.push(second);
    const code = await exitOf(second, 30_000);
    assert.equal(code, 1, second.output());
    assert.match(second.output(), /another bridge \(bridge-a\) holds/);
  });
});
