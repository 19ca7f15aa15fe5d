import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from 'amqplib';
import { createEnvelope } from '../../src/kit/bus/envelope.ts';
import { fromMessage, toPublishFields } from '../../src/kit/bus/transports/amqp/properties.ts';
import { delayBucket, delayQueueArguments, queueArguments } from '../../src/kit/bus/transports/amqp/topology.ts';

function message(properties: Partial<Message['properties']>, content = Buffer.from('{}')): Message {
  return { content, fields: { deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q' }, properties: properties as Message['properties'] };
}

describe('amqp envelope mapping', () => {
  it('round-trips an envelope through native AMQP properties', () => {
    const envelope = createEnvelope(Buffer.from('{"a":1}'), {
      correlationId: 'c-1',
      replyTo: 'amq.rabbitmq.reply-to',
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      timestamp: 1_700_000_000_123,
      attempt: 3,
      contentType: 'application/json',
    });
    const options = toPublishFields('', 'q', envelope, true);
    assert.equal(options.timestamp, 1_700_000_000, 'AMQP timestamps are seconds');
    assert.equal(options.headers['x-attempt'], 3);
    assert.equal(options.headers['x-timestamp-ms'], 1_700_000_000_123);
    const back = fromMessage(message({ ...options, headers: options.headers } as Partial<Message['properties']>, Buffer.from('{"a":1}')));
    assert.deepEqual({ ...back, body: Buffer.from(back.body) }, { ...envelope, body: Buffer.from(envelope.body) });
  });

  it('writes x-attempt only from the second attempt on, and reads its absence as the first', () => {
    const first = createEnvelope(Buffer.from('{}'), { attempt: 1 });
    const fields = toPublishFields('', 'q', first, true);
    assert.equal('x-attempt' in fields.headers, false);
    assert.equal(fromMessage(message({ headers: fields.headers })).attempt, 1);
    assert.equal(toPublishFields('', 'q', { ...first, attempt: 2 }, true).headers['x-attempt'], 2);
  });

  it("fills in what a plain client's bare message lacks", () => {
    const envelope = fromMessage(message({ timestamp: 1_700_000_000 }));
    assert.match(envelope.id, /^[0-9a-f-]{36}$/);
    assert.equal(envelope.attempt, 1);
    assert.equal(envelope.timestamp, 1_700_000_000_000, 'seconds become milliseconds');
    assert.equal(envelope.contentType, '');
    assert.deepEqual(envelope.headers, {});
  });

  it('keeps scalar headers as strings and drops RabbitMQ death bookkeeping from delays', () => {
    const envelope = fromMessage(message({
      headers: {
        'x-tenant': 'acme',
        'x-retries': 2,
        'x-death': [{ count: 1, reason: 'expired', queue: 'q.delay.100', exchange: '', 'routing-keys': ['q.delay.100'], time: { '!': 'timestamp', value: 1_700_000_000 } }],
        'x-first-death-reason': 'expired',
        'x-first-death-queue': 'q.delay.100',
      },
    }));
    assert.deepEqual(envelope.headers, { 'x-tenant': 'acme', 'x-retries': '2' });
  });

  it('says why the broker parked a message it dead-lettered itself', () => {
    const envelope = fromMessage(message({ headers: { 'x-first-death-reason': 'rejected', 'x-first-death-queue': 'orders' } }));
    assert.equal(envelope.headers['x-dead-letter-reason'], 'RabbitMQ dead-lettered it: rejected');
    assert.equal(envelope.headers['x-dead-letter-queue'], 'orders');
  });
});

describe('amqp topology', () => {
  it('rounds delays to two significant digits so jittered back-offs share buckets', () => {
    assert.equal(delayBucket(600), 600);
    assert.equal(delayBucket(20), 20);
    assert.equal(delayBucket(1234), 1200);
    assert.equal(delayBucket(1250), 1300);
    assert.equal(delayBucket(30_000), 30_000);
    assert.equal(delayBucket(0.2), 1);
  });

  it('declares a queue that dead-letters into its .dlq, and a .dlq that dead-letters nowhere', () => {
    assert.equal(queueArguments('orders', 10)['x-dead-letter-routing-key'], 'orders.dlq');
    assert.equal(queueArguments('orders', 10)['x-overflow'], 'reject-publish');
    assert.equal(queueArguments('orders.dlq', 10)['x-dead-letter-routing-key'], undefined);
  });

  it('lets a delay bucket outlive its last message and expire into the queue', () => {
    const args = delayQueueArguments('orders', 600, 10);
    assert.equal(args['x-message-ttl'], 600);
    assert.equal(args['x-dead-letter-routing-key'], 'orders');
    assert.ok(Number(args['x-expires']) > 600 + 30_000, 'the bucket is redeclared every 30 s while in use');
  });
});
