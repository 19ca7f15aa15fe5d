import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RoomMessage, newMessageId } from '../../src/systems/chat/ws/domain/room-message.ts';
import { MemoryMessageStore } from '../../src/systems/chat/ws/store/memory-history.ts';

let clock = Date.UTC(2026, 0, 1);

function message(room: string, text: string, userId = 'u1'): RoomMessage {
  clock += 1;
  return { messageId: newMessageId(clock), room, userId, username: userId, payload: { message: text, type: 'text' }, metadata: { room }, createdAt: clock };
}

async function fill(store: MemoryMessageStore, room: string, count: number): Promise<RoomMessage[]> {
  const messages = Array.from({ length: count }, (_, i) => message(room, `m${i}`));
  for (const m of messages) await store.append({ kind: 'message', message: m });
  return messages;
}

const texts = (messages: RoomMessage[] | undefined) => messages?.map((m) => m.payload.message);

describe('the in-memory message store', () => {
  it('gives the newest messages of a room, oldest first, and nothing of another room', async () => {
    const store = new MemoryMessageStore();
    await fill(store, 'a', 5);
    await fill(store, 'b', 2);
    assert.deepEqual(texts(await store.recent('a', 3)), ['m2', 'm3', 'm4']);
    assert.deepEqual(texts(await store.recent('a', 50)), ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.deepEqual(await store.recent('c', 10), []);
    assert.deepEqual(await store.recent('a', 0), []);
  });

  it('gives what came after a message, bounded; an unknown one is out of the window', async () => {
    const store = new MemoryMessageStore();
    const messages = await fill(store, 'a', 6);
    assert.deepEqual(texts(await store.after('a', messages[2]!.messageId, 10)), ['m3', 'm4', 'm5']);
    assert.deepEqual(texts(await store.after('a', messages[2]!.messageId, 2)), ['m3', 'm4']);
    assert.deepEqual(await store.after('a', messages[5]!.messageId, 10), []);
    assert.equal(await store.after('a', newMessageId(), 10), undefined);
    assert.equal(await store.after('b', messages[0]!.messageId, 10), undefined, 'the id of another room');
  });

  it('keeps only its newest messages per room: older ones are out of the recovery window', async () => {
    const store = new MemoryMessageStore({ perRoom: 10 });
    const messages = await fill(store, 'a', 35);
    const recent = await store.recent('a', 100);
    assert.equal(recent.length, 10);
    assert.deepEqual(texts(recent), Array.from({ length: 10 }, (_, i) => `m${25 + i}`));
    assert.equal(await store.after('a', messages[24]!.messageId, 100), undefined);
    assert.deepEqual(texts(await store.after('a', messages[25]!.messageId, 100))?.length, 9);
  });

  it('forgets the room written longest ago past its room bound', async () => {
    const store = new MemoryMessageStore({ maxRooms: 2 });
    await fill(store, 'a', 1);
    await fill(store, 'b', 1);
    await fill(store, 'a', 1);
    await fill(store, 'c', 1);
    assert.equal((await store.recent('b', 10)).length, 0, 'b was written longest ago');
    assert.equal((await store.recent('a', 10)).length, 2);
    assert.equal((await store.recent('c', 10)).length, 1);
  });

  it('applies an edit by the author, in recent and after alike, and leaves arrays handed out before as they were', async () => {
    const store = new MemoryMessageStore();
    const [first, second] = await fill(store, 'a', 2);
    const before = await store.recent('a', 10);
    await store.append({ kind: 'edit', edit: { messageId: first!.messageId, room: 'a', userId: 'u1', payload: { message: 'fixed' }, editedAt: clock + 100 } });
    const [edited] = await store.recent('a', 10);
    assert.deepEqual(edited!.payload, { message: 'fixed' });
    assert.equal(edited!.editedAt, clock + 100);
    assert.deepEqual(before[0]!.payload, { message: 'm0', type: 'text' });
    assert.deepEqual(texts(await store.after('a', first!.messageId, 10)), ['m1']);
    assert.equal((await store.after('a', second!.messageId, 10))?.length, 0);
  });

  it('ignores an edit by someone else, or of a message it does not hold', async () => {
    const store = new MemoryMessageStore();
    const [first] = await fill(store, 'a', 1);
    await store.append({ kind: 'edit', edit: { messageId: first!.messageId, room: 'a', userId: 'u2', payload: { message: 'hijacked' }, editedAt: clock } });
    await store.append({ kind: 'edit', edit: { messageId: newMessageId(), room: 'a', userId: 'u1', payload: { message: 'nothing' }, editedAt: clock } });
    assert.deepEqual(texts(await store.recent('a', 10)), ['m0']);
  });
});
