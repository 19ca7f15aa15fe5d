import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { unpackMessage } from '../../src/kit/bus/transports/redis/fields.ts';
import { RedisPresence } from '../../src/systems/chat/ws/roles/redis-presence.ts';
import { MemoryMessageStore } from '../../src/systems/chat/ws/store/memory-history.ts';
import { ChatClient, type Frame } from '../helpers/chat-ws-client.ts';
import { type ChatInstance, startChatInstance } from '../helpers/chat-ws-instance.ts';
import { engine } from '../helpers/engines.ts';
import { sleep } from '../helpers/wait.ts';

const redis = engine('redis');
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const user = (name: string) => ({ id: unique(name), username: name });
const textOf = (frame: Frame) => (frame.payload as { message: unknown }).message;
const names = (frame: Frame) => (frame.presenceList as Array<{ username: string }>).map((u) => u.username).sort();

/**
 * Two instances in this process, each with its own bus and Redis connections as two processes have, on one Redis.
 * They share one in-memory store, standing in for the history every instance reads from PostgreSQL.
 */
describe('two chat ws instances on one Redis', { skip: redis.skip, timeout: 60_000 }, () => {
  const channel = unique('chat-ws-test');
  const keyPrefix = `${unique('chat-ws-test')}:`;
  const store = new MemoryMessageStore();
  const buses: Bus[] = [];
  const connections: Redis[] = [];
  const clients: ChatClient[] = [];
  let a: ChatInstance;
  let b: ChatInstance;

  /** `defaultChannel`: leave the channel to the hub, which uses the reference's. */
  const instance = async (instanceId: string, defaultChannel = false) => {
    const bus = await createBus(redis.url!);
    const connection = new Redis(redis.url!);
    buses.push(bus);
    connections.push(connection);
    return startChatInstance({ instanceId, bus, store, channel: defaultChannel ? undefined : channel, presence: new RedisPresence(connection, { instanceId, keyPrefix, ttlMs: 5_000 }) });
  };
  const join = async (at: ChatInstance, name: string, rooms: string[]) => {
    const client = await ChatClient.joined(at.url, user(name), rooms);
    clients.push(client);
    return client;
  };

  before(async () => {
    a = await instance('a');
    b = await instance('b');
  });
  after(async () => {
    for (const client of clients) client.close();
    for (const chat of [a, b]) await chat?.close();
    for (const bus of buses) await bus.close();
    for (const connection of connections) connection.disconnect();
  });

  it('delivers each message once to every client of the room, on both instances', async () => {
    const room = unique('room');
    const ana = await join(a, 'ana', [room]);
    const bia = await join(b, 'bia', [room]);
    ana.send({ type: 'publish', room, payload: 'from a' });
    bia.send({ type: 'publish', room, payload: 'from b' });
    for (const client of [ana, bia]) await client.next((f) => f.type === 'message' && textOf(f) === 'from a', 'from a');
    for (const client of [ana, bia]) await client.next((f) => f.type === 'message' && textOf(f) === 'from b', 'from b');
    await sleep(300);
    for (const client of [ana, bia]) assert.deepEqual(client.of('message').map(textOf).sort(), ['from a', 'from b']);
  });

  it('lists the room\'s users of both instances, and tells each side who joined and left on the other', async () => {
    const room = unique('room');
    const ana = await join(a, 'ana', [room]);
    const bia = await join(b, 'bia', [room]);
    assert.deepEqual(names(bia.of('presence_list').at(-1)!), ['ana', 'bia']);
    assert.deepEqual(names(await ana.ask({ type: 'presence', room }, (f) => f.type === 'presence_list')), ['ana', 'bia']);
    const joined = await ana.next((f) => f.type === 'user_joined', 'user_joined from b');
    assert.equal((joined.user as { username: string }).username, 'bia');
    bia.close();
    const left = await ana.next((f) => f.type === 'user_left', 'user_left from b');
    assert.equal((left.user as { username: string }).username, 'bia');
    assert.deepEqual(names(await ana.ask({ type: 'presence', room }, (f) => f.type === 'presence_list')), ['ana']);
  });

  it('carries typing, read receipts and edits across', async () => {
    const room = unique('room');
    const ana = await join(a, 'ana', [room]);
    const bia = await join(b, 'bia', [room]);
    ana.send({ type: 'typing', room, isTyping: true });
    assert.equal((await bia.next((f) => f.type === 'typing', 'typing')).isTyping, true);
    const echo = await ana.ask({ type: 'publish', room, payload: 'helo' }, (f) => f.type === 'message');
    bia.send({ type: 'read_receipt', room, messageId: echo.messageId });
    const receipt = await ana.next((f) => f.type === 'read_receipt', 'the read receipt');
    assert.equal(receipt.messageId, echo.messageId);
    ana.send({ type: 'edit_message', room, messageId: echo.messageId, payload: 'hello' });
    for (const client of [ana, bia]) {
      const edited = await client.next((f) => f.type === 'message_edited', 'message_edited');
      assert.equal(edited.messageId, echo.messageId);
      assert.equal(textOf(edited), 'hello');
    }
    assert.equal(ana.of('typing').length, 0, 'the typist does not see itself');
  });

  it('delivers a direct message to the instance that holds the user, and refuses one to nobody', async () => {
    const ana = await join(a, 'ana', [unique('room')]);
    const bia = user('bia');
    const tab = await ChatClient.joined(b.url, bia, [unique('room')]);
    clients.push(tab);
    ana.send({ type: 'direct_msg', toUserId: bia.id, payload: { message: 'psst' } });
    const dm = await tab.next((f) => f.type === 'direct_message', 'the direct message');
    assert.deepEqual(dm.payload, { message: 'psst' });
    assert.equal((dm.user as { username: string }).username, 'ana');
    assert.equal((await ana.ask({ type: 'direct_msg', toUserId: unique('nobody'), payload: 'x' }, (f) => f.type === 'error')).code, 'user_offline');
  });

  it('publishes each accepted message once on the channel, however many members it has, as {instance_id, payload}', async () => {
    const room = unique('room');
    for (let i = 0; i < 3; i++) await join(a, `a${i}`, [room]);
    for (let i = 0; i < 2; i++) await join(b, `b${i}`, [room]);
    const sender = await join(a, 'sender', [room]);
    const listener = new Redis(redis.url!);
    connections.push(listener);
    const heard: Array<{ instance_id: string; payload: { room?: string; frame: string } }> = [];
    listener.on('messageBuffer', (_channel: Buffer, payload: Buffer) => heard.push(JSON.parse(unpackMessage(payload).body.toString()) as (typeof heard)[number]));
    await listener.subscribe(channel);
    const echo = await sender.ask({ type: 'publish', room, payload: 'count me' }, (f) => f.type === 'message');
    await sleep(300);
    const carrying = heard.filter((envelope) => envelope.payload.frame.includes(echo.messageId as string));
    assert.equal(carrying.length, 1);
    assert.equal(carrying[0]!.instance_id, 'a');
    assert.equal(carrying[0]!.payload.room, room);
    assert.equal((JSON.parse(carrying[0]!.payload.frame) as Frame).type, 'message');
  });

  it('uses the reference\'s channel by default: gosocket:broadcast', async () => {
    const first = await instance(unique('d1'), true);
    const second = await instance(unique('d2'), true);
    try {
      const probe = new Redis(redis.url!);
      connections.push(probe);
      const channels = (await probe.pubsub('CHANNELS', 'gosocket:broadcast')) as string[];
      assert.deepEqual(channels, ['gosocket:broadcast']);
      const room = unique('room');
      const ana = await join(first, 'ana', [room]);
      const bia = await join(second, 'bia', [room]);
      ana.send({ type: 'publish', room, payload: 'via gosocket:broadcast' });
      await bia.next((f) => f.type === 'message' && textOf(f) === 'via gosocket:broadcast', 'the message on the default channel');
    } finally {
      await first.close();
      await second.close();
    }
  });
});
