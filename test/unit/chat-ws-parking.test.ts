import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RoomMessage, newMessageId } from '../../src/systems/chat/ws/domain/room-message.ts';
import { Persister } from '../../src/systems/chat/ws/roles/persister.ts';
import { BatchWriter } from '../../src/systems/chat/ws/store/batch-writer.ts';
import type { SourceEntry } from '../../src/systems/chat/ws/store/entry-source.ts';
import { InProcessLog } from '../../src/systems/chat/ws/store/in-process-log.ts';
import { MessageLogFullError } from '../../src/systems/chat/ws/store/message-log.ts';
import { migrate } from '../../src/systems/chat/ws/store/migrations.ts';
import { openPglite } from '../../src/systems/chat/ws/store/pglite-database.ts';
import type { SqlDatabase } from '../../src/systems/chat/ws/store/sql-database.ts';
import { decodeEntry } from '../../src/systems/chat/ws/store/stream-fields.ts';
import { waitFor } from '../helpers/wait.ts';

function message(text: string, overrides: Partial<RoomMessage> = {}): RoomMessage {
  return { messageId: newMessageId(), room: 'r', userId: 'u1', username: 'ann', payload: { message: text }, metadata: {}, createdAt: Date.now(), ...overrides };
}

// PGlite is PostgreSQL in this process: no engine needed.
describe('chat ws batch writer and in-process log (PGlite)', { timeout: 120_000 }, () => {
  let db: SqlDatabase;
  let n = 0;
  const schema = () => `unit_${process.pid}_${++n}`;

  before(async () => {
    db = await openPglite();
  });
  after(() => db.close());

  it('parks what cannot be read and what PostgreSQL refuses, with the reason and the fields, and stores the rest', async () => {
    const s = schema();
    await migrate(db, s);
    const fields = { kind: 'message', message_id: newMessageId(), room_name: 'r', payload: '{broken', created_at: '1' };
    const unreadable = decodeEntry('17-0', new Map(Object.entries(fields)));
    const good = [message('one'), message('two')];
    const tooLong = message('three', { room: 'x'.repeat(300) });
    const batch: SourceEntry[] = [
      { sourceId: '1', entry: { kind: 'message', message: good[0]! } },
      { sourceId: '17-0', reason: unreadable.reason!, fields },
      { sourceId: '2', entry: { kind: 'message', message: tooLong } },
      { sourceId: '3', entry: { kind: 'message', message: good[1]! } },
    ];

    assert.deepEqual(await new BatchWriter(db, s).write(batch), { inserted: 2, edits: 0, parked: 2 });
    const stored = await db.query<{ message_id: string }>(`SELECT message_id FROM ${s}.messages ORDER BY message_id`);
    assert.deepEqual(stored.map((r) => r.message_id), good.map((m) => m.messageId));
    const parked = await db.query<{ source_id: string; reason: string; fields: Record<string, string> }>(`SELECT source_id, reason, fields FROM ${s}.parked_entries ORDER BY id`);
    assert.deepEqual(parked.map((p) => p.source_id), ['17-0', '2']);
    assert.match(parked[0]!.reason, /^payload is not JSON/);
    assert.deepEqual(parked[0]!.fields, fields);
    assert.match(parked[1]!.reason, /^PostgreSQL refused it: value too long/);
    assert.equal(parked[1]!.fields.message_id, tooLong.messageId);
    assert.equal(parked[1]!.fields.payload, '{"message":"three"}');
  });

  it('writes the same batch twice and stores it once', async () => {
    const s = schema();
    await migrate(db, s);
    const writer = new BatchWriter(db, s);
    const batch: SourceEntry[] = Array.from({ length: 50 }, (_, i) => ({ sourceId: String(i), entry: { kind: 'message', message: message(`m${i}`) } }));
    assert.equal((await writer.write(batch)).inserted, 50);
    assert.equal((await writer.write(batch)).inserted, 0);
    const [row] = await db.query<{ n: number; total: number }>(`SELECT (SELECT count(*) FROM ${s}.messages)::int AS n, (SELECT total_messages FROM ${s}.room_stats)::int AS total`);
    assert.deepEqual(row, { n: 50, total: 50 });
  });

  it('migrates once: a second run applies nothing', async () => {
    const s = schema();
    assert.deepEqual(await migrate(db, s), [1, 2]);
    assert.deepEqual(await migrate(db, s), []);
    await assert.rejects(migrate(db, 'Robert"; DROP'), /must be lower-case letters/);
  });

  it('the in-process log refuses past its bound, keeps entries until their batch is committed, and copies them', async () => {
    const s = schema();
    await migrate(db, s);
    const log = new InProcessLog(3);
    const first = message('first');
    await log.append({ kind: 'message', message: first });
    first.payload.message = 'changed after append';
    await log.append({ kind: 'message', message: message('second') });
    await log.append({ kind: 'message', message: message('third') });
    await assert.rejects(log.append({ kind: 'message', message: message('fourth') }), MessageLogFullError);
    assert.deepEqual((await log.ofRoom('r')).messages.map((m) => m.payload.message), ['first', 'second', 'third']);

    const persister = new Persister(log, new BatchWriter(db, s), { batchSize: 2, flushMs: 10 });
    persister.start();
    await waitFor(() => log.size === 0, 'the log to be committed');
    await persister.stop();
    assert.deepEqual((await log.ofRoom('r')).messages, []);
    await log.append({ kind: 'message', message: message('fourth') });
    const rows = await db.query<{ text: string }>(`SELECT payload->>'message' AS text FROM ${s}.messages ORDER BY message_id`);
    assert.deepEqual(rows.map((r) => r.text), ['first', 'second', 'third']);
  });

  it('message ids from one process sort in the order they were made, within a millisecond too', () => {
    const ids = Array.from({ length: 1_000 }, () => newMessageId(1_765_000_000_000));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, 1_000);
    assert.ok(ids.every((id) => id.startsWith((1_765_000_000_000).toString(16).padStart(12, '0'))));
  });
});
