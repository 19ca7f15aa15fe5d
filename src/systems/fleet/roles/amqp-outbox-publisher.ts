import { type ChannelModel, connect } from 'amqplib';
import { createEnvelope } from '../../../kit/bus/envelope.ts';
import { ConfirmOutlet } from '../../../kit/bus/transports/amqp/outlet.ts';
import { toPublishFields } from '../../../kit/bus/transports/amqp/properties.ts';
import { declareQueue, queueArguments } from '../../../kit/bus/transports/amqp/topology.ts';
import { DEFAULT_MAX_QUEUE_LENGTH } from '../../../kit/bus/transport.ts';
import { redactUrl } from '../../../kit/cli/args.ts';
import { ORDER_CREATED } from '../domain/order-created.ts';
import type { OutboxEvent } from '../store/outbox-store.ts';
import { type OutboxPublisher, eventHeaders } from './outbox-publisher.ts';

/** Where events go on RabbitMQ; tests name their own so that they can share one broker. */
export interface AmqpTopology {
  /** A durable direct exchange (orders_exchange). */
  exchange: string;
  /** The Bus's queue the exchange routes to (orders.created), bound with the routing key. */
  queue: string;
  routingKey: string;
}

export const FLEET_TOPOLOGY: AmqpTopology = { exchange: ORDER_CREATED.exchange, queue: ORDER_CREATED.routingKey, routingKey: ORDER_CREATED.routingKey };

const CONNECT_TIMEOUT_MS = 3_000;

/**
 * Publishes through the direct exchange with the row's topic as routing key, on a confirm channel, mandatory and
 * persistent. The queue the worker's Bus consumes lives on the default exchange, so this publisher declares it
 * exactly as the Bus's AMQP transport does (the kit's own declaration, bounded, with its dead-letter queue) and
 * binds it to the exchange: whichever of relay and worker starts first, the queue exists with the same
 * arguments and no event is routed nowhere (a mandatory publish that reaches no queue fails, and is retried).
 * Each message is a Bus envelope in native AMQP properties: message id = the event id, JSON, the headers
 * EVENT_HEADERS names.
 *
 * The connection is made on demand and made again after a drop; a publish in flight when it drops rejects, and
 * the relay puts its row back to PENDING.
 */
export class AmqpOutboxPublisher implements OutboxPublisher {
  #model: ChannelModel | undefined;
  #outlet: ConfirmOutlet | undefined;
  #connecting: Promise<ConfirmOutlet> | undefined;
  #closed = false;

  constructor(
    private readonly url: string,
    private readonly topology: AmqpTopology = FLEET_TOPOLOGY,
    private readonly maxQueueLength = DEFAULT_MAX_QUEUE_LENGTH,
  ) {}

  async connect(): Promise<void> {
    await this.#ready();
  }

  async publish(event: OutboxEvent): Promise<void> {
    const outlet = await this.#ready();
    const envelope = createEnvelope(Buffer.from(event.payload), { id: event.id, headers: eventHeaders(event), timestamp: event.createdAt.getTime(), contentType: 'application/json' });
    await outlet.confirm(toPublishFields(this.topology.exchange, event.topic, envelope, true, true), envelope.body as Buffer);
  }

  async check(): Promise<string> {
    try {
      await this.#ready();
      return 'ok';
    } catch (err) {
      return (err as Error).message;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const model = this.#model;
    this.#model = undefined;
    this.#outlet = undefined;
    await model?.close().catch(() => {});
  }

  #ready(): Promise<ConfirmOutlet> {
    if (this.#closed) return Promise.reject(new Error('the publisher is closed'));
    if (this.#outlet?.open) return Promise.resolve(this.#outlet);
    this.#connecting ??= this.#open().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #open(): Promise<ConfirmOutlet> {
    // A channel the broker closed (a refused declaration) leaves its connection open: that one goes first.
    const stale = this.#model;
    this.#model = this.#outlet = undefined;
    await stale?.close().catch(() => {});
    const target = new URL(this.url);
    if (!target.searchParams.has('heartbeat')) target.searchParams.set('heartbeat', '10');
    let model: ChannelModel;
    try {
      model = await connect(target.href, { timeout: CONNECT_TIMEOUT_MS, clientProperties: { connection_name: `mensageiro fleet relay pid ${process.pid}` } });
    } catch (err) {
      throw new Error(`cannot reach RabbitMQ at ${redactUrl(this.url)}: ${(err as Error).message}`, { cause: err });
    }
    model.on('error', () => {});
    model.on('close', () => {
      if (this.#model === model) this.#model = this.#outlet = undefined;
    });
    try {
      const channel = await model.createConfirmChannel();
      channel.on('error', () => {});
      const { exchange, queue, routingKey } = this.topology;
      await channel.assertExchange(exchange, 'direct', { durable: true });
      await declareQueue(channel, queue, queueArguments(queue, this.maxQueueLength));
      await channel.bindQueue(queue, exchange, routingKey);
      if (this.#closed) throw new Error('the publisher is closed');
      this.#model = model;
      this.#outlet = new ConfirmOutlet(channel);
      return this.#outlet;
    } catch (err) {
      await model.close().catch(() => {});
      throw err;
    }
  }
}
