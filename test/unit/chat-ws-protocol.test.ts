import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClientFrame, type FrameProblem, parseClientFrame, wrapPayload } from '../../src/systems/chat/ws/domain/client-frames.ts';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, NAME_MAX_LENGTH } from '../../src/systems/chat/ws/domain/limits.ts';
import { type RoomMessage, newMessageId } from '../../src/systems/chat/ws/domain/room-message.ts';
import { editedFrame, historyFrame, messageFrame, roomMetadata } from '../../src/systems/chat/ws/domain/server-frames.ts';

const ID = newMessageId(Date.UTC(2026, 0, 2, 3, 4, 5));

function frame(value: unknown): ClientFrame {
  const parsed = parseClientFrame(typeof value === 'string' ? value : JSON.stringify(value));
  if (!parsed.ok) assert.fail(`refused: ${parsed.problem.error}`);
  return parsed.frame;
}

function problem(value: unknown): FrameProblem {
  const parsed = parseClientFrame(typeof value === 'string' ? value : JSON.stringify(value));
  if (parsed.ok) assert.fail(`accepted: ${JSON.stringify(parsed.frame)}`);
  return parsed.problem;
}

describe('the wrapping rule for payloads', () => {
  it('keeps an object that has a message key, whatever else it holds', () => {
    const payload = { message: 'hi', type: 'image', url: 'x' };
    assert.equal(wrapPayload(payload), payload);
    assert.deepEqual(wrapPayload({ message: null }), { message: null });
  });

  it('wraps an object without one, and anything that is not an object', () => {
    assert.deepEqual(wrapPayload({ text: 'hi' }), { message: { text: 'hi' }, type: 'text' });
    assert.deepEqual(wrapPayload('hi'), { message: 'hi', type: 'text' });
    assert.deepEqual(wrapPayload(42), { message: 42, type: 'text' });
    assert.deepEqual(wrapPayload(['a']), { message: ['a'], type: 'text' });
    assert.deepEqual(wrapPayload(false), { message: false, type: 'text' });
  });

  it('does not take a message key from the prototype', () => {
    const payload = Object.create({ message: 'inherited' }) as Record<string, unknown>;
    payload.text = 'own';
    assert.deepEqual(wrapPayload(payload), { message: payload, type: 'text' });
  });
});

describe('client frames', () => {
  it('subscribe: history off and the default limit unless asked; a larger limit is cut to the maximum; since is a message id', () => {
    assert.deepEqual(frame({ type: 'subscribe', room: 'general' }), { type: 'subscribe', room: 'general', history: false, limit: DEFAULT_HISTORY_LIMIT });
    assert.deepEqual(frame({ type: 'subscribe', room: 'g', options: { history: true, limit: 10 } }), { type: 'subscribe', room: 'g', history: true, limit: 10 });
    assert.equal((frame({ type: 'subscribe', room: 'g', options: { history: true, limit: 0 } }) as { limit: number }).limit, DEFAULT_HISTORY_LIMIT);
    assert.equal((frame({ type: 'subscribe', room: 'g', options: { limit: 10_000 } }) as { limit: number }).limit, MAX_HISTORY_LIMIT);
    assert.deepEqual(frame({ type: 'subscribe', room: 'g', options: { since: ID } }), { type: 'subscribe', room: 'g', history: false, limit: DEFAULT_HISTORY_LIMIT, since: ID });
  });

  it('subscribe refuses bad options, each with the field it is about', () => {
    for (const options of [[1], 'x', { history: 'yes' }, { limit: -1 }, { limit: 2.5 }, { limit: '10' }, { since: 'abc' }, { since: ID.toUpperCase() }]) {
      const refused = problem({ type: 'subscribe', room: 'g', options });
      assert.equal(refused.code, 'bad_field', JSON.stringify(options));
      assert.equal(refused.type, 'subscribe');
      assert.match(refused.error, /options/);
    }
  });

  it('unsubscribe and presence take a room', () => {
    assert.deepEqual(frame({ type: 'unsubscribe', room: 'g' }), { type: 'unsubscribe', room: 'g' });
    assert.deepEqual(frame({ type: 'presence', room: 'g' }), { type: 'presence', room: 'g' });
  });

  it('publish wraps its payload', () => {
    assert.deepEqual(frame({ type: 'publish', room: 'g', payload: 'hi' }), { type: 'publish', room: 'g', payload: { message: 'hi', type: 'text' } });
    assert.deepEqual(frame({ type: 'publish', room: 'g', payload: { message: 'hi', type: 'text' } }), { type: 'publish', room: 'g', payload: { message: 'hi', type: 'text' } });
  });

  it('typing is false unless said, and takes only a boolean', () => {
    assert.deepEqual(frame({ type: 'typing', room: 'g' }), { type: 'typing', room: 'g', isTyping: false });
    assert.deepEqual(frame({ type: 'typing', room: 'g', isTyping: true }), { type: 'typing', room: 'g', isTyping: true });
    assert.equal(problem({ type: 'typing', room: 'g', isTyping: 'yes' }).code, 'bad_field');
  });

  it('read_receipt and edit_message take a message id as the server makes them', () => {
    assert.deepEqual(frame({ type: 'read_receipt', room: 'g', messageId: ID }), { type: 'read_receipt', room: 'g', messageId: ID });
    assert.deepEqual(frame({ type: 'edit_message', room: 'g', messageId: ID, payload: 'fixed' }), { type: 'edit_message', room: 'g', messageId: ID, payload: { message: 'fixed', type: 'text' } });
    for (const type of ['read_receipt', 'edit_message']) {
      const refused = problem({ type, room: 'g', messageId: 'not-an-id', payload: 'x' });
      assert.equal(refused.code, 'bad_field');
      assert.match(refused.error, /messageId/);
    }
  });

  it('direct_msg takes a user id and keeps its payload as sent', () => {
    assert.deepEqual(frame({ type: 'direct_msg', toUserId: 'u2', payload: 'psst' }), { type: 'direct_msg', toUserId: 'u2', payload: 'psst' });
    assert.equal(problem({ type: 'direct_msg', payload: 'psst' }).code, 'bad_field');
    assert.equal(problem({ type: 'direct_msg', toUserId: 'u2' }).code, 'missing_payload');
  });

  it('takes a user object with an id (a number becomes a string) and a username, on any type', () => {
    assert.deepEqual(frame({ type: 'presence', room: 'g', user: { id: 7, username: 'ana', avatar: 'x' } }).user, { id: '7', username: 'ana' });
    assert.equal(frame({ type: 'presence', room: 'g', user: null }).user, undefined);
    for (const user of ['ana', { id: 'u1' }, { username: 'ana' }, { id: '', username: 'ana' }, { id: 'u1', username: 'a\u0007' }, { id: 'x'.repeat(NAME_MAX_LENGTH + 1), username: 'a' }]) {
      assert.equal(problem({ type: 'presence', room: 'g', user }).code, 'bad_user', JSON.stringify(user));
    }
  });

  it('refuses what is not JSON, not an object, or of no known type, saying what to send', () => {
    assert.equal(problem('{"type":').code, 'bad_json');
    assert.equal(problem('').code, 'bad_json');
    for (const value of ['[1]', '"subscribe"', 'null', '3']) assert.equal(problem(value).code, 'not_an_object', value);
    const unknown = problem({ type: 'join', room: 'g' });
    assert.equal(unknown.code, 'unknown_type');
    assert.match(unknown.error, /"join".*subscribe, unsubscribe, publish, presence, typing, read_receipt, direct_msg, edit_message/);
    assert.match(problem({ room: 'g' }).error, /unknown type missing/);
    assert.equal(problem({ type: 7 }).code, 'unknown_type');
  });

  it('refuses a missing room on every type that needs one, and a bad one', () => {
    for (const type of ['subscribe', 'unsubscribe', 'publish', 'presence', 'typing', 'read_receipt', 'edit_message']) {
      const refused = problem({ type, payload: 'x', messageId: ID });
      assert.equal(refused.code, 'missing_room', type);
      assert.equal(refused.type, type);
      assert.equal(problem({ type, room: '', payload: 'x', messageId: ID }).code, 'missing_room', type);
    }
    for (const room of [7, '   ', 'a\nb', 'r'.repeat(NAME_MAX_LENGTH + 1)]) assert.equal(problem({ type: 'subscribe', room }).code, 'bad_room', JSON.stringify(room));
    assert.deepEqual(frame({ type: 'subscribe', room: 'é'.repeat(NAME_MAX_LENGTH) }).type, 'subscribe');
  });

  it('refuses publish and edit_message without a payload (null counts as none)', () => {
    assert.equal(problem({ type: 'publish', room: 'g' }).code, 'missing_payload');
    assert.equal(problem({ type: 'publish', room: 'g', payload: null }).code, 'missing_payload');
    assert.equal(problem({ type: 'edit_message', room: 'g', messageId: ID }).code, 'missing_payload');
  });
});

describe('server frames', () => {
  const message: RoomMessage = {
    messageId: ID,
    room: 'g',
    userId: 'u1',
    username: 'ana',
    payload: { message: 'hi', type: 'text' },
    metadata: roomMetadata('g', Date.UTC(2026, 0, 2), 3, 2),
    createdAt: Date.UTC(2026, 0, 2),
  };

  it('a message carries the room metadata the reference puts on it, times in ISO 8601', () => {
    assert.deepEqual(messageFrame(message), {
      type: 'message',
      room: 'g',
      messageId: ID,
      payload: { message: 'hi', type: 'text' },
      user: { id: 'u1', username: 'ana' },
      metadata: { room: 'g', createdAt: '2026-01-02T00:00:00.000Z', subscriberCount: 3, presenceCount: 2 },
    });
  });

  it('history marks an edited message as edited; message_edited carries when', () => {
    assert.equal(historyFrame(message).type, 'history');
    assert.equal((historyFrame(message) as { metadata: Record<string, unknown> }).metadata.isEdited, undefined);
    const edited = historyFrame({ ...message, payload: { message: 'fixed' }, editedAt: Date.UTC(2026, 0, 3) }) as { metadata: Record<string, unknown>; payload: unknown };
    assert.deepEqual(edited.payload, { message: 'fixed' });
    assert.equal(edited.metadata.isEdited, true);
    assert.equal(edited.metadata.editedAt, '2026-01-03T00:00:00.000Z');
    assert.deepEqual(editedFrame(message, { message: 'fixed' }, Date.UTC(2026, 0, 3)), {
      type: 'message_edited',
      room: 'g',
      messageId: ID,
      payload: { message: 'fixed' },
      user: { id: 'u1', username: 'ana' },
      metadata: { room: 'g', createdAt: '2026-01-02T00:00:00.000Z', editedAt: '2026-01-03T00:00:00.000Z', isEdited: true },
    });
  });
});
