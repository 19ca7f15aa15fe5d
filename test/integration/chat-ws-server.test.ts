import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { MAX_FRAME_BYTES } from '../../src/systems/chat/ws/domain/limits.ts';
import { newMessageId } from '../../src/systems/chat/ws/domain/room-message.ts';
import { MemoryPresence } from '../../src/systems/chat/ws/roles/memory-presence.ts';
import { MemoryMessageStore } from '../../src/systems/chat/ws/store/memory-history.ts';
import type { MessageHistory } from '../../src/systems/chat/ws/store/message-log.ts';
import { ChatClient, type Frame } from '../helpers/chat-ws-client.ts';
import { type ChatInstance, startChatInstance } from '../helpers/chat-ws-instance.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const user = (name: string) => ({ id: unique(name), username: name });
const textOf = (frame: Frame) => (frame.payload as { message: unknown }).message;

describe('the chat ws server on its own (memory bus, memory store)', { timeout: 60_000 }, () => {
  let bus: Bus;
  let store: MemoryMessageStore;
  let chat: ChatInstance;
  const clients: ChatClient[] = [];
  const join = async (name: string, rooms: string[], history = false) => {
    const client = await ChatClient.joined(chat.url, user(name), rooms, history);
    clients.push(client);
    return client;
  };

  before(async () => {
    bus = await createBus(`memory://${unique('chat-ws')}`);
    store = new MemoryMessageStore();
    chat = await startChatInstance({ instanceId: 'solo', bus, store, presence: new MemoryPresence('solo') });
  });
  after(async () => {
    for (const client of clients) client.close();
    await chat.close();
    await bus.close();
  });

  it('echoes an accepted message to the room, its sender included, once each, as the reference shapes it', async () => {
    const room = unique('room');
    const ana = await join('ana', [room]);
    const bia = await join('bia', [room]);
    ana.send({ type: 'publish', room, payload: 'hello' });
    const echo = await ana.next((f) => f.type === 'message', 'the echo');
    await bia.next((f) => f.type === 'message', 'the message');
    await sleep(100);
    for (const client of [ana, bia]) assert.equal(client.of('message').length, 1);
    assert.match(echo.messageId as string, /^[0-9a-f]{32}$/);
    assert.deepEqual(echo.payload, { message: 'hello', type: 'text' });
    assert.deepEqual((echo.user as { username: string }).username, 'ana');
    const metadata = echo.metadata as Record<string, unknown>;
    assert.equal(metadata.room, room);
    assert.equal(metadata.subscriberCount, 2);
    assert.equal(metadata.presenceCount, 2);
    assert.ok(!Number.isNaN(Date.parse(metadata.createdAt as string)));
    const [stored] = await store.recent(room, 10);
    assert.equal(stored?.messageId, echo.messageId, 'what was echoed is what the log holds');
  });

  it('replays the newest messages, oldest first, to a subscriber that asks for history with a limit', async () => {
    const room = unique('room');
    const ana = await join('ana', [room]);
    for (let i = 0; i < 5; i++) await ana.ask({ type: 'publish', room, payload: { message: `m${i}` } }, (f) => f.type === 'message' && textOf(f) === `m${i}`);
    const late = await ChatClient.open(chat.url);
    clients.push(late);
    late.send({ type: 'subscribe', room, user: user('cid'), options: { history: true, limit: 3 } });
    await late.next((f) => f.type === 'history' && textOf(f) === 'm4', 'the newest history frame');
    assert.deepEqual(late.of('history').map(textOf), ['m2', 'm3', 'm4']);
    assert.ok(late.of('history').every((f) => f.room === room && typeof f.messageId === 'string'));
    const quiet = await ChatClient.joined(chat.url, user('dora'), [room]);
    clients.push(quiet);
    await sleep(100);
    assert.equal(quiet.of('history').length, 0, 'no history unless asked');
  });

  it('lists who is in a room, tells trackers who joins (not the joiner) and who leaves', async () => {
    const room = unique('room');
    const ana = await join('ana', [room]);
    const anaUser = (ana.of('welcome')[0]!.user as { id: string }).id;
    const bia = await join('bia', [room]);
    const list = bia.of('presence_list').at(-1)!;
    assert.deepEqual((list.presenceList as Array<{ username: string }>).map((u) => u.username).sort(), ['ana', 'bia']);
    const joined = await ana.next((f) => f.type === 'user_joined' && f.room === room, 'user_joined');
    assert.equal((joined.user as { username: string }).username, 'bia');
    assert.equal(bia.of('user_joined').length, 0, 'the joiner is not told it joined');
    assert.ok(anaUser.startsWith('guest-'), 'the welcome names a guest before the client names itself');
    bia.close();
    const left = await ana.next((f) => f.type === 'user_left' && f.room === room, 'user_left');
    assert.equal((left.user as { username: string }).username, 'bia');
    const after = await ana.ask({ type: 'presence', room }, (f) => f.type === 'presence_list');
    assert.deepEqual((after.presenceList as Array<{ username: string }>).map((u) => u.username), ['ana']);
  });

  it('sends typing to the others but not the typist, and read receipts to the whole room', async () => {
    const room = unique('room');
    const ana = await join('ana', [room]);
    const bia = await join('bia', [room]);
    ana.send({ type: 'typing', room, isTyping: true });
    const typing = await bia.next((f) => f.type === 'typing', 'typing');
    assert.equal(typing.isTyping, true);
    assert.equal((typing.user as { username: string }).username, 'ana');
    const echo = await ana.ask({ type: 'publish', room, payload: 'read me' }, (f) => f.type === 'message');
    bia.send({ type: 'read_receipt', room, messageId: echo.messageId });
    for (const client of [ana, bia]) {
      const receipt = await client.next((f) => f.type === 'read_receipt', 'a read receipt');
      assert.equal(receipt.messageId, echo.messageId);
      assert.equal((receipt.user as { username: string }).username, 'bia');
    }
    assert.equal(ana.of('typing').length, 0);
  });

  it('lets only the author edit, sends message_edited to the room, and serves the edit in history', async () => {
    const room = unique('room');
    const ana = await join('ana', [room]);
    const bia = await join('bia', [room]);
    const echo = await ana.ask({ type: 'publish', room, payload: 'helo' }, (f) => f.type === 'message');
    const refused = await bia.ask({ type: 'edit_message', room, messageId: echo.messageId, payload: 'hijack' }, (f) => f.type === 'error');
    assert.equal(refused.code, 'not_author');
    ana.send({ type: 'edit_message', room, messageId: echo.messageId, payload: 'hello' });
    for (const client of [ana, bia]) {
      const edited = await client.next((f) => f.type === 'message_edited', 'message_edited');
      assert.equal(edited.messageId, echo.messageId);
      assert.deepEqual(edited.payload, { message: 'hello', type: 'text' });
      const metadata = edited.metadata as Record<string, unknown>;
      assert.equal(metadata.isEdited, true);
      assert.equal(metadata.createdAt, (echo.metadata as Record<string, unknown>).createdAt);
    }
    const late = await join('cid', [room], true);
    const [history] = late.of('history');
    assert.deepEqual(history?.payload, { message: 'hello', type: 'text' });
    assert.equal((history?.metadata as Record<string, unknown>).isEdited, true);
    const unknown = await ana.ask({ type: 'edit_message', room, messageId: newMessageId(), payload: 'x' }, (f) => f.type === 'error');
    assert.equal(unknown.code, 'no_such_message');
  });

  it('delivers a direct message to every connection of its user, and says when the user is not connected', async () => {
    const ana = await join('ana', []);
    const bia = user('bia');
    const tabs = [await ChatClient.joined(chat.url, bia, [unique('room')]), await ChatClient.joined(chat.url, bia, [unique('room')])];
    clients.push(...tabs);
    ana.send({ type: 'direct_msg', toUserId: bia.id, payload: { message: 'psst' }, user: { id: unique('ana'), username: 'ana' } });
    for (const tab of tabs) {
      const dm = await tab.next((f) => f.type === 'direct_message', 'the direct message');
      assert.deepEqual(dm.payload, { message: 'psst' });
      assert.equal((dm.user as { username: string }).username, 'ana');
    }
    const offline = await ana.ask({ type: 'direct_msg', toUserId: 'nobody-here', payload: 'x' }, (f) => f.type === 'error');
    assert.equal(offline.code, 'user_offline');
  });

  it('gives a reconnecting client exactly what it missed after since, and a reset when since is out of the window', async () => {
    const room = unique('room');
    const ana = await join('ana', [room]);
    const bia = await join('bia', [room]);
    const seen = await bia.ask({ type: 'publish', room, payload: 'seen' }, (f) => f.type === 'message');
    bia.close();
    for (const text of ['missed 1', 'missed 2']) await ana.ask({ type: 'publish', room, payload: text }, (f) => f.type === 'message' && textOf(f) === text);
    const back = await ChatClient.open(chat.url);
    clients.push(back);
    back.send({ type: 'subscribe', room, user: user('bia'), options: { since: seen.messageId } });
    await back.next((f) => f.type === 'history' && textOf(f) === 'missed 2', 'the missed messages');
    assert.deepEqual(back.of('history').map(textOf), ['missed 1', 'missed 2']);
    assert.equal(back.of('history_reset').length, 0);

    const lost = await ChatClient.open(chat.url);
    clients.push(lost);
    lost.send({ type: 'subscribe', room, user: user('cid'), options: { since: newMessageId(Date.UTC(2020, 0, 1)), limit: 2 } });
    await lost.next((f) => f.type === 'history' && textOf(f) === 'missed 2', 'the recent history after the reset');
    assert.equal(lost.frames.findIndex((f) => f.type === 'history_reset') < lost.frames.findIndex((f) => f.type === 'history'), true, 'the reset comes first');
    assert.deepEqual(lost.of('history').map(textOf), ['missed 1', 'missed 2']);
  });

  it('answers bad input with an error frame saying why, and keeps serving everyone else', async () => {
    const room = unique('room');
    const ana = await join('ana', [room]);
    const bad = await ChatClient.open(chat.url);
    clients.push(bad);
    const cases: Array<[string | Buffer, string]> = [
      ['{"type":"subscribe"', 'bad_json'],
      ['[1,2]', 'not_an_object'],
      [JSON.stringify({ type: 'shout', room }), 'unknown_type'],
      [JSON.stringify({ type: 'publish', payload: 'x' }), 'missing_room'],
      [JSON.stringify({ type: 'publish', room, payload: 'x' }), 'not_subscribed'],
      [JSON.stringify({ type: 'subscribe', room, options: { limit: -3 } }), 'bad_field'],
      [Buffer.from([1, 2, 3]), 'binary_frame'],
    ];
    for (const [frame, code] of cases) {
      const from = bad.frames.length;
      bad.ws.send(frame);
      const error = await bad.next((f) => f.type === 'error', `the error for ${code}`, 10_000, from);
      assert.equal(error.code, code);
      assert.ok((error.error as string).length > 10, 'with a sentence');
    }
    bad.send({ type: 'publish', room, payload: 'x'.repeat(MAX_FRAME_BYTES) });
    assert.equal((await bad.untilClosed()).code, 1009, 'an oversized frame closes with 1009');
    const echo = await ana.ask({ type: 'publish', room, payload: 'still here' }, (f) => f.type === 'message');
    assert.equal(textOf(echo), 'still here');
  });

  it('answers a plain GET of /ws with 426 and an upgrade elsewhere with 404', async () => {
    const response = await fetch(`${chat.http}/ws`);
    assert.equal(response.status, 426);
    assert.match(((await response.json()) as { error: string }).error, /WebSocket upgrade/);
    const elsewhere = new WebSocket(chat.url.replace('/ws', '/nope'));
    const status = await new Promise<number>((resolve) => elsewhere.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).on('error', () => resolve(-1)));
    assert.equal(status, 404);
  });

  it('sends a room\'s history before the live messages that came while it was read, none twice', async () => {
    const room = unique('room');
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let reading = false;
    // The same store behind a history that waits, so that a live message is accepted while the history is read.
    const slow: MessageHistory = {
      recent: async (r, limit) => {
        reading = true;
        await gate;
        return store.recent(r, limit);
      },
      after: (r, id, limit) => store.after(r, id, limit),
    };
    const gated = await startChatInstance({ instanceId: 'gated', bus, store, history: slow, presence: new MemoryPresence('gated') });
    try {
      const sender = await ChatClient.joined(gated.url, user('bia'), [room]);
      clients.push(sender);
      await sender.ask({ type: 'publish', room, payload: 'old' }, (f) => f.type === 'message');
      const late = await ChatClient.open(gated.url);
      clients.push(late);
      late.send({ type: 'subscribe', room, user: user('cid'), options: { history: true } });
      await waitFor(() => reading, 'the history to be read');
      await sender.ask({ type: 'publish', room, payload: 'live' }, (f) => f.type === 'message' && textOf(f) === 'live');
      await sleep(200);
      assert.equal(late.of('message').length, 0, 'the live message waits for the history');
      open();
      await late.next((f) => f.type === 'history' && textOf(f) === 'live', 'the history, which holds the live message by now');
      await sleep(200);
      assert.deepEqual(late.of('history').map(textOf), ['old', 'live']);
      assert.equal(late.of('message').length, 0, 'not a second time as a live message');
      await sender.ask({ type: 'publish', room, payload: 'after' }, (f) => f.type === 'message' && textOf(f) === 'after');
      await late.next((f) => f.type === 'message' && textOf(f) === 'after', 'live messages after the history');
    } finally {
      await gated.close();
    }
  });
});
