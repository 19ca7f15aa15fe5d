import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bridgeWriteId, isBridgeWrite, messageIdOfWrite, readDelivery, readPublication, textOfPayload, zmqNameOf, zmqUserOnWs } from '../../src/systems/chat/bridge/domain/door-mapping.ts';
import { isMessageId } from '../../src/systems/chat/ws/domain/room-message.ts';

describe('the bridge between the chat doors: how names, ids and messages map', () => {
  it('names a ZeroMQ user zmq:<name> on the WebSocket side, and reads the name back', () => {
    assert.deepEqual(zmqUserOnWs('ana'), { id: 'zmq:ana', username: 'ana' });
    assert.equal(zmqNameOf('zmq:ana'), 'ana');
    assert.equal(zmqNameOf('u-1'), undefined);
    assert.equal(zmqNameOf('zmq:'), undefined);
  });

  it('marks its own writes by id, so that the same message resent is applied once', () => {
    const id = bridgeWriteId('publish', '0123456789abcdef0123456789abcdef');
    assert.equal(id, bridgeWriteId('publish', '0123456789abcdef0123456789abcdef'));
    assert.ok(isBridgeWrite(id));
    assert.ok(isBridgeWrite(bridgeWriteId('message', 'x')));
    assert.ok(!isBridgeWrite('3f2a…client uuid'));
    assert.ok(!isBridgeWrite(undefined));
  });

  it('gives a ZeroMQ write one valid WebSocket message id, sorted by its time', () => {
    const early = messageIdOfWrite('w1', 1_700_000_000_000);
    assert.ok(isMessageId(early));
    assert.equal(early, messageIdOfWrite('w1', 1_700_000_000_000));
    assert.notEqual(early, messageIdOfWrite('w2', 1_700_000_000_000));
    assert.ok(early < messageIdOfWrite('w0', 1_700_000_000_001));
  });

  it('takes the text of a WebSocket payload, as JSON when it is not a string', () => {
    assert.equal(textOfPayload({ message: 'hi', type: 'text' }), 'hi');
    assert.equal(textOfPayload({ message: { x: 1 } }), '{"x":1}');
    assert.equal(textOfPayload({ image: 'a.png' }), '{"image":"a.png"}');
  });

  it('reads channel publications and direct messages, and nothing else', () => {
    const channel = readPublication('geral', { user: 'ana', channel: 'geral', message: 'oi', timestamp: 1_700_000_000.5, clock: 3, id: 'a' });
    assert.deepEqual(channel, { kind: 'channel', channel: 'geral', user: 'ana', message: 'oi', id: 'a', at: 1_700_000_000_500 });
    assert.equal(readPublication('geral2', { user: 'ana', channel: 'geral', message: 'oi', timestamp: 1, id: 'a' }), undefined, 'a topic that is not its channel');
    assert.equal(readPublication('bia', { from: 'ana', message: 'psst', timestamp: 1_700_000_000, id: 'b' })?.kind, 'direct');
    assert.equal(readPublication('servers', { service: 'election', data: { coordinator: 's1' } }), undefined);
  });

  it('reads room messages, direct messages to ZeroMQ users and joins from the Bus, and skips the rest', () => {
    const user = { id: 'u1', username: 'bia' };
    const room = readDelivery({ room: 'geral', frame: JSON.stringify({ type: 'message', room: 'geral', messageId: 'm', payload: { message: 'oi' }, user }) });
    assert.deepEqual(room, { kind: 'room', room: 'geral', messageId: 'm', user, text: 'oi' });
    assert.deepEqual(readDelivery({ userId: 'zmq:ana', frame: JSON.stringify({ type: 'direct_message', payload: 'psst', user, toUserId: 'zmq:ana' }) }), { kind: 'direct', to: 'ana', user, text: 'psst' });
    assert.equal(readDelivery({ userId: 'u2', frame: JSON.stringify({ type: 'direct_message', payload: 'psst', user, toUserId: 'u2' }) }), undefined, 'between two WebSocket users');
    assert.deepEqual(readDelivery({ room: 'geral', frame: JSON.stringify({ type: 'user_joined', room: 'geral', user }) }), { kind: 'joined', user });
    assert.equal(readDelivery({ room: 'geral', frame: JSON.stringify({ type: 'typing', room: 'geral', user, isTyping: true }) }), undefined);
    assert.equal(readDelivery({ room: 'geral', frame: 'null' }), undefined);
    assert.equal(readDelivery({ room: 'geral', frame: '{' }), undefined);
  });
});
