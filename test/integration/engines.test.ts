import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { connect } from 'amqplib';
import { engine } from '../helpers/engines.ts';

// The engines the other suites rely on answer real protocol requests at the URLs the runner resolved.
describe('engines for the tests', () => {
  const redis = engine('redis');
  it('redis answers PING', { skip: redis.skip }, async () => {
    const client = new Redis(redis.url!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    assert.equal(await client.ping(), 'PONG');
    client.disconnect();
  });

  const postgres = engine('postgres');
  it('postgres runs a parameterized query', { skip: postgres.skip }, async () => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const { rows } = await client.query<{ sum: number }>('SELECT $1::int + $2::int AS sum', [40, 2]);
    assert.equal(rows[0]!.sum, 42);
    await client.end();
  });

  const amqp = engine('amqp');
  it('rabbitmq opens a channel', { skip: amqp.skip }, async () => {
    const connection = await connect(amqp.url!);
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    assert.match(queue, /^amq\.gen-/);
    await connection.close();
  });
});
