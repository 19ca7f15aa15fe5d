import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Message } from 'amqplib';
import { AckRun } from '../../src/kit/bus/transports/amqp/ack-run.ts';

function delivery(deliveryTag: number): Message {
  return { content: Buffer.alloc(0), fields: { deliveryTag, redelivered: false, exchange: '', routingKey: 'q' }, properties: {} as Message['properties'] };
}

/** An AckRun with deliveries 1..count added, and the acks it sends as "tag" or "tag+" (multiple). */
function run(count: number, firstTag = 1): { acks: AckRun; sent: string[]; messages: Message[] } {
  const sent: string[] = [];
  const acks = new AckRun((message, multiple) => sent.push(`${message.fields.deliveryTag}${multiple ? '+' : ''}`));
  const messages = Array.from({ length: count }, (_, i) => delivery(firstTag + i));
  for (const message of messages) acks.add(message);
  return { acks, sent, messages };
}

describe('amqp ack run', () => {
  it('sends the acks made in one pass at the head of the outstanding deliveries as one multiple ack', async () => {
    const { acks, sent, messages } = run(5);
    for (const message of messages.slice(0, 4)) acks.ack(message);
    assert.deepEqual(sent, [], 'nothing leaves during the pass');
    await nextTurn();
    assert.deepEqual(sent, ['4+']);
    acks.ack(messages[4]!);
    await nextTurn();
    assert.deepEqual(sent, ['4+', '5+']);
  });

  it('acks one by one what is acked behind a delivery still outstanding, and never names an ack twice', async () => {
    const { acks, sent, messages } = run(6, 101);
    for (const i of [0, 2, 3, 5]) acks.ack(messages[i]!);
    await nextTurn();
    assert.deepEqual(sent, ['101+', '103', '104', '106']);
    acks.ack(messages[1]!);
    await nextTurn();
    // 103 and 104 were acked already: a multiple ack up to 102 covers nothing else, and 106's was sent.
    assert.deepEqual(sent.slice(4), ['102+']);
    acks.ack(messages[4]!);
    acks.ack(messages[4]!);
    await nextTurn();
    assert.deepEqual(sent.slice(5), ['105+']);
  });

  it('sends at once on flush, as before the channel closes, and then has nothing left to send', async () => {
    const { acks, sent, messages } = run(3);
    acks.ack(messages[1]!);
    acks.ack(messages[0]!);
    acks.flush();
    assert.deepEqual(sent, ['2+']);
    await nextTurn();
    assert.deepEqual(sent, ['2+'], 'the scheduled flush finds nothing more');
  });

  it('ignores an ack of a delivery it was never given', async () => {
    const { acks, sent } = run(2);
    acks.ack(delivery(7));
    await nextTurn();
    assert.deepEqual(sent, []);
  });

  it('finds deliveries whose tags are not consecutive', async () => {
    const sent: string[] = [];
    const acks = new AckRun((message, multiple) => sent.push(`${message.fields.deliveryTag}${multiple ? '+' : ''}`));
    const messages = [3, 4, 9, 12, 20].map(delivery);
    for (const message of messages) acks.add(message);
    acks.ack(messages[3]!);
    acks.ack(messages[0]!);
    await nextTurn();
    assert.deepEqual(sent, ['3+', '12']);
  });
});
