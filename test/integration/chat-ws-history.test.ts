import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { type RoomMessage, type RoomMessageEdit, newMessageId } from '../../src/systems/chat/ws/domain/room-message.ts';
import { openPersistence } from '../../src/systems/chat/ws/roles/persistence.ts';
import { openRedis } from '../../src/kit/store/redis-client.ts';
import { openPostgres } from '../../src/systems/chat/ws/store/pg-database.ts';
import { streamNames } from '../../src/systems/chat/ws/store/stream-names.ts';
import { storeFixtures, uniquePrefix, uniqueSchema } from '../helpers/chat-ws-stores.ts';
import { engine } from '../helpers/engines.ts';

function message(room: string, text: string, options: { userId?: string; createdAt?: number } = {}): RoomMessage {
  const createdAt = options.createdAt ?? Date.now();
  return { messageId: newMessageId(createdAt), room, userId: options.userId ?? 'u1', username: 'ann', payload: { message: text, type: 'text' }, metadata: { room }, createdAt };
}

function edit(of: RoomMessage, text: string, options: { userId?: string; editedAt?: number } = {}): RoomMessageEdit {
  return { messageId: of.messageId, room: of.room, userId: options.userId ?? of.userId, payload: { message: text, type: 'text' }, editedAt: options.editedAt ?? Date.now() };
}

const texts = (messages: RoomMessage[] | undefined) => messages?.map((m) => m.payload.message);

for (const fx of storeFixtures()) {
  describe(`chat ws history: ${fx.name}`, { skip: fx.skip, timeout: 120_000 }, () => {
    afterEach(() => fx.cleanup());
    after(() => fx.close());

    it('recent: the rows in PostgreSQL and what the log holds with the persister stopped, oldest first, that room only', async () => {
      const store = await fx.open('recent');
      const lobby = Array.from({ length: 30 }, (_, i) => message('lobby', `m${i + 1}`));
      for (const [i, m] of lobby.slice(0, 20).entries()) {
        await store.log.append({ kind: 'message', message: m });
        if (i % 4 === 0) await store.log.append({ kind: 'message', message: message('other', `o${i}`) });
      }
      await store.persistAll();
      for (const m of lobby.slice(20)) await store.log.append({ kind: 'message', message: m });

      const [row] = await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${store.schema}.messages`);
      assert.equal(row!.n, 25, 'the last 10 are only in the log');
      const history = store.history();
      assert.deepEqual(texts(await history.recent('lobby', 25)), lobby.slice(5).map((m) => m.payload.message));
      assert.deepEqual(texts(await history.recent('lobby', 5)), ['m26', 'm27', 'm28', 'm29', 'm30']);
      assert.deepEqual(await history.recent('lobby', 100), lobby, 'every field as appended');
      assert.deepEqual(texts(await history.recent('other', 10)), ['o0', 'o4', 'o8', 'o12', 'o16']);
      assert.deepEqual(await history.recent('empty', 10), []);
    });

    it('applies edits wherever the message and the edit are, the newest edit winning and only the author’s', async () => {
      const store = await fx.open('edits');
      const [m1, m2, m3] = [message('r', 'one'), message('r', 'two'), message('r', 'three')];
      const t = Date.now();
      await store.log.append({ kind: 'message', message: m1! });
      await store.log.append({ kind: 'message', message: m2! });
      await store.log.append({ kind: 'edit', edit: edit(m1!, 'one, edited', { editedAt: t }) });
      await store.persistAll();
      // Persister stopped from here: these are in the log only.
      await store.log.append({ kind: 'edit', edit: edit(m2!, 'two, edited', { editedAt: t + 10 }) });
      await store.log.append({ kind: 'message', message: m3! });
      await store.log.append({ kind: 'edit', edit: edit(m3!, 'three, edited', { editedAt: t + 20 }) });
      await store.log.append({ kind: 'edit', edit: edit(m1!, 'not the author', { userId: 'u2', editedAt: t + 30 }) });
      await store.log.append({ kind: 'edit', edit: edit(m2!, 'an older edit, late', { editedAt: t + 5 }) });

      const expected = [
        ['one, edited', t],
        ['two, edited', t + 10],
        ['three, edited', t + 20],
      ];
      const seen = async () => (await store.history().recent('r', 10)).map((m) => [m.payload.message, m.editedAt]);
      assert.deepEqual(await seen(), expected, 'from the log');
      await store.persistAll();
      assert.deepEqual(await seen(), expected, 'from PostgreSQL');
      const rows = await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${store.schema}.pending_edits`);
      assert.equal(rows[0]!.n, 0, 'no edit left waiting');
    });

    it('after: what follows a message, across PostgreSQL and the log; undefined for an unknown id', async () => {
      const store = await fx.open('after');
      const room = Array.from({ length: 20 }, (_, i) => message('r', `m${i + 1}`));
      for (const m of room.slice(0, 10)) await store.log.append({ kind: 'message', message: m });
      await store.persistAll();
      for (const m of room.slice(10)) await store.log.append({ kind: 'message', message: m });
      await store.log.append({ kind: 'message', message: message('elsewhere', 'x') });

      const history = store.history();
      assert.deepEqual(texts(await history.after('r', room[4]!.messageId, 100)), room.slice(5).map((m) => m.payload.message));
      assert.deepEqual(texts(await history.after('r', room[4]!.messageId, 3)), ['m6', 'm7', 'm8']);
      assert.deepEqual(texts(await history.after('r', room[14]!.messageId, 100)), ['m16', 'm17', 'm18', 'm19', 'm20'], 'from an id only the log has');
      assert.deepEqual(await history.after('r', room[19]!.messageId, 100), []);
      assert.equal(await history.after('r', newMessageId(), 100), undefined, 'an id never seen');
      assert.equal(await history.after('r', 'not-an-id', 100), undefined);
      assert.equal(await history.after('elsewhere', room[4]!.messageId, 100), undefined, 'an id of another room');
    });

    it('after: undefined for a message older than the recovery window, in time and in count', async () => {
      const store = await fx.open('window');
      const old = message('r', 'old', { createdAt: Date.now() - 2 * 60 * 60 * 1_000 });
      const newer = Array.from({ length: 10 }, (_, i) => message('r', `n${i + 1}`));
      await store.log.append({ kind: 'message', message: old });
      for (const m of newer.slice(0, 4)) await store.log.append({ kind: 'message', message: m });
      await store.persistAll();
      for (const m of newer.slice(4)) await store.log.append({ kind: 'message', message: m });

      const short = store.history({ messages: 5, ms: 60_000 });
      assert.equal(await short.after('r', old.messageId, 100), undefined, 'two hours old with 10 newer');
      assert.deepEqual(texts(await short.after('r', newer[1]!.messageId, 2)), ['n3', 'n4'], 'young, though 8 are newer');
      const long = store.history({ messages: 50, ms: 60_000 });
      assert.deepEqual(texts(await long.after('r', old.messageId, 100)), newer.map((m) => m.payload.message), 'within the last 50');
    });

    it('an edit committed before its message (another persister was slower) applies when the message comes', async () => {
      const store = await fx.open('early');
      const m = message('r', 'first');
      await store.writer.write([{ sourceId: '2', entry: { kind: 'edit', edit: edit(m, 'edited first') } }]);
      await store.writer.write([{ sourceId: '3', entry: { kind: 'edit', edit: edit(m, 'by someone else', { userId: 'u2' }) } }]);
      assert.deepEqual(await store.history().recent('r', 10), []);
      await store.writer.write([{ sourceId: '1', entry: { kind: 'message', message: m } }]);
      assert.deepEqual(texts(await store.history().recent('r', 10)), ['edited first']);
      const rows = await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${store.schema}.pending_edits`);
      assert.equal(rows[0]!.n, 0);
    });
  });
}

describe('chat ws history after a restart', { timeout: 120_000 }, () => {
  it('embedded: what was appended before close is there when the same data directory opens again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mensageiro-chat-ws-'));
    try {
      const first = await openPersistence({ dataDir, flushMs: 60_000 });
      const sent = Array.from({ length: 5 }, (_, i) => message('r', `m${i}`));
      for (const m of sent) await first.log.append({ kind: 'message', message: m });
      await first.close();
      const again = await openPersistence({ dataDir });
      assert.deepEqual(await again.history.recent('r', 10), sent);
      await again.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  const redis = engine('redis');
  const postgres = engine('postgres');
  it('cluster: a new server serves what the stream holds with no persister running', { skip: redis.skip ?? postgres.skip }, async () => {
    const options = { redisUrl: redis.url!, postgresUrl: postgres.url!, schema: uniqueSchema('restart'), keyPrefix: uniquePrefix('restart') };
    try {
      const first = await openPersistence(options);
      const sent = Array.from({ length: 5 }, (_, i) => message('r', `m${i}`));
      for (const m of sent) await first.log.append({ kind: 'message', message: m });
      await first.close();
      const again = await openPersistence(options);
      assert.deepEqual(await again.history.recent('r', 10), sent);
      await again.close();
    } finally {
      const db = await openPostgres(postgres.url!);
      await db.exec(`DROP SCHEMA IF EXISTS ${options.schema} CASCADE`);
      await db.close();
      const cleaner = await openRedis(redis.url!, 'chat-ws-test');
      await cleaner.del(streamNames(options.keyPrefix).stream);
      cleaner.disconnect();
    }
  });
});
