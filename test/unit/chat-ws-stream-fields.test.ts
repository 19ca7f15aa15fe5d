import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LoggedEntry, newMessageId } from '../../src/systems/chat/ws/domain/room-message.ts';
import { copyRow } from '../../src/systems/chat/ws/store/copy-text.ts';
import { decodeEntry, encodeEntry, fieldMap, storableText } from '../../src/systems/chat/ws/store/stream-fields.ts';

const STREAM_ID = '1765000000000-3';

function roundTrip(entry: LoggedEntry): LoggedEntry | undefined {
  return decodeEntry(STREAM_ID, fieldMap(encodeEntry(entry))).entry;
}

function reasonFor(fields: Record<string, string>): string | undefined {
  return decodeEntry(STREAM_ID, new Map(Object.entries(fields))).reason;
}

const valid = { kind: 'message', message_id: 'a'.repeat(32), room_name: 'lobby', user_id: 'u1', username: 'ann', payload: '{"message":"hi"}', metadata: '{}', created_at: '1765000000000' };

describe('chat ws stream fields', () => {
  it('carry a message, an edited message and an edit through encoding and back unchanged', () => {
    const message = {
      messageId: newMessageId(),
      room: 'lobby',
      userId: 'u1',
      username: 'Ann \t"quoted"\n',
      payload: { message: 'olá \\ 👋', type: 'text', nested: { list: [1, null, true] } },
      metadata: { room: 'lobby', createdAt: '2025-12-06T00:00:00Z', subscriberCount: 3, presenceCount: 1 },
      createdAt: 1_765_000_000_123,
    };
    assert.deepEqual(roundTrip({ kind: 'message', message }), { kind: 'message', message });
    const edited = { ...message, editedAt: 1_765_000_000_999 };
    assert.deepEqual(roundTrip({ kind: 'message', message: edited }), { kind: 'message', message: edited });
    const edit = { messageId: message.messageId, room: 'lobby', userId: 'u1', payload: { message: 'fixed' }, editedAt: 1_765_000_001_000 };
    assert.deepEqual(roundTrip({ kind: 'edit', edit }), { kind: 'edit', edit });
  });

  it('write the reference’s fields with ours beside them', () => {
    const fields = fieldMap(encodeEntry({ kind: 'message', message: { messageId: 'b'.repeat(32), room: 'r', userId: 'u', username: 'n', payload: { message: 'x' }, metadata: {}, createdAt: 5 } }));
    assert.deepEqual([...fields.keys()], ['room_name', 'user_id', 'username', 'payload', 'metadata', 'message_id', 'created_at', 'kind']);
    assert.equal(fields.get('payload'), '{"message":"x"}');
  });

  it('read an entry the reference’s server wrote as a message with an id derived from its stream id', () => {
    const reference = new Map(Object.entries({ room_name: 'lobby', user_id: 'u1', username: 'ann', payload: '{"message":"hi"}', metadata: 'null' }));
    const first = decodeEntry(STREAM_ID, reference).entry;
    assert.equal(first?.kind, 'message');
    const message = first.kind === 'message' ? first.message : undefined;
    assert.equal(message?.createdAt, 1_765_000_000_000);
    assert.deepEqual(message?.metadata, {});
    assert.equal(message?.messageId.slice(0, 12), (1_765_000_000_000).toString(16).padStart(12, '0'));
    assert.deepEqual(decodeEntry(STREAM_ID, reference).entry, first, 'a redelivery gets the same id');
    assert.notEqual((decodeEntry('1765000000000-4', reference).entry as { message: { messageId: string } }).message.messageId, message?.messageId);
    const bare = decodeEntry(STREAM_ID, new Map([['payload', '"just text"']]));
    assert.deepEqual(bare.entry?.kind === 'message' && [bare.entry.message.room, bare.entry.message.payload], ['default', { message: 'just text', type: 'text' }]);
    assert.deepEqual(bare.json, { payload: undefined, metadata: undefined }, 'a wrapped payload is not the text that came');
    assert.deepEqual(decodeEntry(STREAM_ID, reference).json, { payload: '{"message":"hi"}', metadata: undefined }, 'null metadata is written as {}');
  });

  it('give the reason an entry cannot be stored', () => {
    assert.equal(reasonFor(valid), undefined);
    assert.match(reasonFor({ ...valid, payload: '{oops' })!, /^payload is not JSON/);
    assert.match(reasonFor({ ...valid, payload: '[1,2]' })!, /^payload is not a JSON object/);
    assert.match(reasonFor({ ...valid, metadata: '7' })!, /^metadata is not a JSON object/);
    assert.match(reasonFor({ ...valid, message_id: 'XYZ' })!, /^message_id "XYZ" is not 32 lower-case hex/);
    assert.match(reasonFor({ ...valid, kind: 'shout' })!, /^kind "shout"/);
    assert.match(reasonFor({ ...valid, room_name: '' })!, /^room_name is missing/);
    assert.match(reasonFor({ ...valid, username: 'x'.repeat(256) })!, /^username is longer than 255/);
    assert.equal(reasonFor({ ...valid, username: '👋'.repeat(255) }), undefined, 'PostgreSQL counts characters, not UTF-16 units');
    assert.match(reasonFor({ ...valid, user_id: 'a\0b' })!, /^user_id contains a NUL/);
    assert.match(reasonFor({ ...valid, created_at: '12.5' })!, /^created_at "12.5" is not a time/);
    assert.match(reasonFor({ ...valid, payload: '{"message":"a\\u0000b"}' })!, /^payload holds a NUL character or a lone surrogate/);
    assert.match(reasonFor({ ...valid, payload: '{"message":"\\ud800"}' })!, /lone surrogate/);
    assert.equal(reasonFor({ ...valid, payload: '{"message":"\\\\u0000 is text here, and \\ud83d\\udc4b a pair"}' }), undefined);
    assert.match(reasonFor({ ...valid, payload: `{"message":"${'x'.repeat(70_000)}"}` })!, /^payload is longer than/);
    const { created_at: _, ...edit } = { ...valid, kind: 'edit' };
    assert.match(reasonFor(edit)!, /^edited_at \(missing\)/);
  });

  it('make parked text storable and escape COPY text', () => {
    assert.equal(storableText('a\0b\ud800c👋'), 'a\uFFFDb\uFFFDc👋');
    assert.equal(copyRow(['a\tb', 'c\\d', 'e\nf\rg', null, '']), 'a\\tb\tc\\\\d\te\\nf\\rg\t\\N\t\n');
  });
});
