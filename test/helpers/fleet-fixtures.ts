import { randomUUID } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { connect } from 'amqplib';
import { deadLetterQueue } from '../../src/kit/bus/transport.ts';
import { type AmqpTopology, FLEET_TOPOLOGY } from '../../src/systems/fleet/roles/amqp-outbox-publisher.ts';
import { type FleetStores, storesOn } from '../../src/systems/fleet/store/fleet-stores.ts';
import { newInMemoryPglite, openPglite } from '../../src/systems/fleet/store/pglite-database.ts';
import { openPostgres } from '../../src/systems/fleet/store/postgres-database.ts';
import type { NewOrder } from '../../src/systems/fleet/domain/order.ts';
import { engine } from './engines.ts';

/** A schema name unique to one test, so tests can share database `test` side by side. */
export function testSchema(label: string): string {
  return `t_${label}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
}

/** One database engine under test: opens fleet's stores in a fresh schema and drops them all in cleanup(). */
export class FleetStoreFixture {
  readonly #opened: FleetStores[] = [];
  #pglite: Promise<PGlite> | undefined;

  constructor(
    readonly name: 'postgres' | 'pglite',
    readonly url: string | undefined,
    readonly skip: string | undefined,
  ) {}

  /** Stores in a new schema; a second call with the same schema opens another pool on the same tables. */
  async stores(schema = testSchema(this.name)): Promise<FleetStores> {
    const db =
      this.name === 'postgres' ? await openPostgres(this.url!, { schema, poolSize: 12 }) : await openPglite({ schema, shared: await (this.#pglite ??= newInMemoryPglite()) });
    const stores = await storesOn(db);
    this.#opened.push(stores);
    return stores;
  }

  async cleanup(): Promise<void> {
    const schemas = new Set(this.#opened.map((stores) => stores.db.schema));
    const first = this.#opened[0];
    for (const schema of schemas) await first?.db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await Promise.allSettled(this.#opened.splice(0).map((stores) => stores.close()));
  }

  async close(): Promise<void> {
    await this.cleanup();
    if (this.#pglite) await (await this.#pglite).close();
  }
}

/** PostgreSQL (database `test`) and PGlite: the store suite runs unchanged against each. */
export function storeFixtures(): FleetStoreFixture[] {
  const postgres = engine('postgres');
  return [new FleetStoreFixture('postgres', postgres.url, postgres.skip), new FleetStoreFixture('pglite', undefined, undefined)];
}

export function newOrder(id: string, overrides: Partial<NewOrder> = {}): NewOrder {
  return { id, priceCents: 10_000, taxCents: 1_000, finalCents: 11_000, pickup: { lat: -23.5505, lng: -46.6333 }, ...overrides };
}

/** An exchange and queue of the relay's topology, unique to one test (the routing key stays orders.created). */
export function testTopology(label: string): AmqpTopology {
  const suffix = randomUUID().slice(0, 8);
  return { exchange: `test.${label}.exchange.${suffix}`, queue: `test.${label}.orders.${suffix}`, routingKey: FLEET_TOPOLOGY.routingKey };
}

export interface CapturedMessage {
  messageId: string;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
}

/**
 * A plain amqplib consumer, as any service would bind one: its own exclusive queue bound to the topology's
 * exchange with the routing key, collecting every message. stop() deletes it, and the topology's exchange and
 * Bus queue with it.
 */
export async function captureExchange(url: string, topology: AmqpTopology): Promise<{ messages: CapturedMessage[]; stop(): Promise<void>; until(count: number, timeoutMs?: number): Promise<void> }> {
  const connection = await connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(topology.exchange, 'direct', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, topology.exchange, topology.routingKey);
  const messages: CapturedMessage[] = [];
  await channel.consume(queue, (message) => {
    if (!message) return;
    messages.push({ messageId: String(message.properties.messageId), headers: message.properties.headers ?? {}, body: JSON.parse(message.content.toString()) as Record<string, unknown> });
  }, { noAck: true });
  return {
    messages,
    async until(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      if (messages.length < count) throw new Error(`${messages.length} of ${count} messages arrived within ${timeoutMs} ms`);
    },
    async stop() {
      for (const name of [topology.queue, deadLetterQueue(topology.queue)]) await channel.deleteQueue(name).catch(() => {});
      await channel.deleteExchange(topology.exchange).catch(() => {});
      await connection.close().catch(() => {});
    },
  };
}

/** Polls `probe` until it holds, or fails saying what it last saw. */
export async function eventually<T>(probe: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!holds(value)) {
    if (Date.now() > deadline) throw new Error(`still not there after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await probe();
  }
  return value;
}
