import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { decode as unpack } from '@msgpack/msgpack';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { engine } from '../helpers/engines.ts';
import { waitFor } from '../helpers/wait.ts';

/** A service in another language needs nothing of this library: plain Redis commands and MessagePack. */
const redis = engine('redis');

describe('redis interop: plain clients and the bus', { skip: redis.skip, timeout: 30_000 }, () => {
  const buses: Bus[] = [];
  const clients: Redis[] = [];
  const keys: string[] = [];

  const bus = async () => {
    const made = await createBus(redis.url);
    buses.push(made);
    return made;
  };
  const plainClient = () => {
    const client = new Redis(redis.url!);
    clients.push(client);
    return client;
  };
  const queueName = (label: string) => {
    const name = `test.interop.${label}.${randomUUID().slice(0, 8)}`;
    keys.push(name, `${name}.dlq`, `${name}.delayed`);
    return name;
  };

  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((b) => b.close({ graceMs: 0 })));
    const cleaner = new Redis(redis.url!);
    if (keys.length > 0) await cleaner.del(...keys.splice(0));
    await cleaner.quit();
    await Promise.allSettled(clients.splice(0).map((client) => client.quit()));
  });

  it('answers a request a plain client XADDs, on the Pub/Sub channel it named', async () => {
    const queue = queueName('rpc');
    const responder = await bus();
    await responder.respond<{ x: number }>(queue, ({ x }) => ({ doubled: x * 2 }));

    const channel = `test.interop.replies.${randomUUID()}`;
    const listener = plainClient();
    const replies: Buffer[] = [];
    listener.on('messageBuffer', (from: Buffer, payload: Buffer) => {
      if (from.toString() === channel) replies.push(payload);
    });
    await listener.subscribe(channel);

    await plainClient().xadd(queue, '*', 'body', JSON.stringify({ x: 21 }), 'reply_to', channel, 'correlation_id', 'order-21');
    await waitFor(() => replies.length === 1, 'the reply on the plain client\'s channel');

    const reply = unpack(replies[0]!) as Record<string, unknown>;
    assert.equal(reply.correlation_id, 'order-21');
    assert.equal(reply.content_type, 'application/json');
    assert.ok(reply.body instanceof Uint8Array, 'the body travels as MessagePack binary');
    assert.deepEqual(JSON.parse(Buffer.from(reply.body).toString('utf8')), { doubled: 42 });
  });

  it('writes stream entries with native fields that a plain client can XRANGE', async () => {
    const queue = queueName('native');
    const sender = await bus();
    await sender.send(queue, { order: 7 }, { headers: { 'x-tenant': 'acme' } });

    const entries = await plainClient().xrangeBuffer(queue, '-', '+');
    assert.equal(entries.length, 1);
    const [entryId, raw] = entries[0]!;
    const fields = new Map<string, Buffer>();
    for (let i = 0; i < raw.length; i += 2) fields.set(raw[i]!.toString(), raw[i + 1]!);

    assert.deepEqual(fields.get('body'), Buffer.from(JSON.stringify({ order: 7 })));
    assert.equal(fields.get('content_type')?.toString(), 'application/json');
    assert.equal(fields.get('attempt')?.toString(), '1');
    assert.match(fields.get('id')!.toString(), /^[0-9a-f-]{36}$/);
    const sentAt = Number(fields.get('timestamp')!.toString());
    assert.ok(Math.abs(sentAt - Number.parseInt(entryId.toString(), 10)) < 5_000, 'timestamp is milliseconds since the epoch');
    const headers = JSON.parse(fields.get('headers')!.toString()) as Record<string, string>;
    assert.equal(headers['x-tenant'], 'acme');
    assert.match(headers.traceparent!, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('publishes topic messages as a MessagePack map a plain subscriber can read', async () => {
    const topic = `test.interop.${randomUUID().slice(0, 8)}.created`;
    const listener = plainClient();
    const got: Buffer[] = [];
    listener.on('messageBuffer', (from: Buffer, payload: Buffer) => {
      if (from.toString() === topic) got.push(payload);
    });
    await listener.subscribe(topic);

    await (await bus()).publish(topic, { sku: 'A-1' });
    await waitFor(() => got.length === 1, 'the published message');

    const message = unpack(got[0]!) as Record<string, unknown>;
    assert.equal(message.content_type, 'application/json');
    assert.equal(message.attempt, 1);
    assert.match((message.headers as Record<string, string>).traceparent!, /^00-/);
    assert.deepEqual(JSON.parse(Buffer.from(message.body as Uint8Array).toString('utf8')), { sku: 'A-1' });
  });
});
