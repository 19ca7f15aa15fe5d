import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { type Channel, type ChannelModel, type ConsumeMessage, connect } from 'amqplib';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { QueueFullError } from '../../src/kit/bus/errors.ts';
import type { Message } from '../../src/kit/bus/message.ts';
import { type CreateBusOptions, createBus } from '../../src/kit/bus/registry.ts';
import { engine } from '../helpers/engines.ts';
import { waitFor } from '../helpers/wait.ts';

/** A service in another language needs nothing of this library: a plain AMQP client and native properties. */
const amqp = engine('amqp');

describe('amqp interop: plain clients and the bus', { skip: amqp.skip, timeout: 30_000 }, () => {
  const buses: Bus[] = [];
  const clients: ChannelModel[] = [];
  const queues = new Set<string>();

  const bus = async (options: CreateBusOptions = {}) => {
    const made = await createBus(amqp.url, options);
    buses.push(made);
    return made;
  };
  /** A plain amqplib client, as a Python or Go service would use its own. */
  const plainChannel = async (): Promise<Channel> => {
    const client = await connect(amqp.url!);
    clients.push(client);
    const channel = await client.createChannel();
    channel.on('error', () => {});
    return channel;
  };
  const queueName = (label: string) => {
    const name = `test.interop.${label}.${randomUUID().slice(0, 8)}`;
    queues.add(name);
    return name;
  };

  afterEach(async () => {
    const admin = await createBus(amqp.url);
    for (const queue of queues) await admin.deleteQueue(queue).catch(() => {});
    await admin.close();
    queues.clear();
    await Promise.allSettled(buses.splice(0).map((b) => b.close({ graceMs: 0 })));
    await Promise.allSettled(clients.splice(0).map((client) => client.close()));
  });

  it('answers a request a plain client publishes, on the reply queue it declared', async () => {
    const queue = queueName('rpc');
    const responder = await bus();
    await responder.respond<{ x: number }>(queue, ({ x }) => ({ doubled: x * 2 }));

    const channel = await plainChannel();
    const { queue: replyQueue } = await channel.assertQueue('', { exclusive: true });
    const replies: ConsumeMessage[] = [];
    await channel.consume(replyQueue, (message) => void (message && replies.push(message)), { noAck: true });

    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ x: 21 })), {
      correlationId: 'order-21',
      replyTo: replyQueue,
      contentType: 'application/json',
    });
    await waitFor(() => replies.length === 1, "the reply on the plain client's queue");

    const reply = replies[0]!;
    assert.equal(reply.properties.correlationId, 'order-21');
    assert.equal(reply.properties.contentType, 'application/json');
    assert.deepEqual(JSON.parse(reply.content.toString('utf8')), { doubled: 42 });
  });

  it('sends messages with native properties that a plain client can basic.get', async () => {
    const queue = queueName('native');
    const sender = await bus();
    const before = Date.now();
    await sender.send(queue, { order: 7 }, { headers: { 'x-tenant': 'acme' } });

    const channel = await plainChannel();
    const message = await channel.get(queue, { noAck: false });
    assert.ok(message, 'the message is on the queue');
    const props = message.properties;
    assert.match(props.messageId, /^[0-9a-f-]{36}$/);
    assert.equal(props.contentType, 'application/json');
    assert.equal(props.deliveryMode, 2, 'persistent');
    assert.match(props.headers!.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(props.headers!['x-tenant'], 'acme');
    assert.equal(props.headers!['x-attempt'], undefined, 'a first attempt carries no x-attempt: absent means 1');
    const sentAt = Number(props.headers!['x-timestamp-ms']);
    assert.ok(sentAt >= before && sentAt <= Date.now(), 'x-timestamp-ms is milliseconds since the epoch');
    assert.equal(props.timestamp, Math.floor(sentAt / 1000), 'the AMQP timestamp is in seconds');
    assert.deepEqual(message.content, Buffer.from(JSON.stringify({ order: 7 })));
    channel.ack(message);
  });

  it('gives a bare message from a plain client an id and attempt 1, and reads it as JSON', async () => {
    const queue = queueName('bare');
    const consumer = await bus();
    const got: Message<{ sku: string }>[] = [];
    await consumer.consume<{ sku: string }>(queue, (msg) => void got.push(msg), { prefetch: 1 });

    (await plainChannel()).sendToQueue(queue, Buffer.from(JSON.stringify({ sku: 'A-1' })));
    await waitFor(() => got.length === 1, 'the bare message');
    assert.equal(got[0]!.body.sku, 'A-1');
    assert.equal(got[0]!.envelope.attempt, 1);
    assert.ok(got[0]!.envelope.id.length > 0);
  });

  it("parks what a plain consumer rejects in the queue's dead-letter queue, saying why", async () => {
    const queue = queueName('rejected');
    const sender = await bus();
    await sender.send(queue, { n: 1 });

    const channel = await plainChannel();
    const message = await channel.get(queue, { noAck: false });
    assert.ok(message);
    channel.nack(message, false, false);

    await waitFor(async () => (await sender.deadLetters(queue)).length === 1, 'the rejected message in the dead-letter queue');
    const [parked] = await sender.deadLetters(queue);
    assert.equal(parked!.headers['x-dead-letter-reason'], 'RabbitMQ dead-lettered it: rejected');
    assert.equal(parked!.headers['x-dead-letter-queue'], queue);
    assert.equal(parked!.attempt, 1);
  });

  it('rejects a send to a full queue with QueueFullError (publisher confirms)', async () => {
    const queue = queueName('full');
    const sender = await bus({ maxQueueLength: 2 });
    await sender.send(queue, { n: 1 });
    await sender.send(queue, { n: 2 });
    await assert.rejects(sender.send(queue, { n: 3 }), QueueFullError);
    assert.equal((await sender.deadLetters(queue)).length, 0, 'a refused send is not parked');
  });

  it('leaves a deleted queue deleted under its consumer, and resumes once it is declared again', async () => {
    const queue = queueName('deleted');
    const consumer = await bus();
    const got: number[] = [];
    await consumer.consume<{ n: number }>(queue, (msg) => void got.push(msg.body.n), { prefetch: 1 });
    const admin = await bus();
    await admin.deleteQueue(queue);

    const channel = await plainChannel();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await assert.rejects(channel.checkQueue(queue), /NOT_FOUND/, 'the consumer did not recreate the queue');

    await admin.send(queue, { n: 1 });
    await waitFor(() => got.length === 1, 'the consumer to resume on the queue declared again');
    assert.deepEqual(got, [1]);
  });

  it('explains what to do when a queue exists with other arguments', async () => {
    const queue = queueName('mismatch');
    await (await plainChannel()).assertQueue(queue, { durable: true });
    const sender = await bus();
    await assert.rejects(sender.send(queue, { n: 1 }), (err: Error) => {
      assert.equal(err.name, 'QueueArgumentsError');
      assert.match(err.message, /already exists with other arguments/);
      assert.match(err.message, /rabbitmqctl delete_queue/);
      return true;
    });
    // The bus is still usable afterwards.
    const other = queueName('after-mismatch');
    await sender.send(other, { n: 2 });
  });
});
