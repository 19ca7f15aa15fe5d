import type { Bus } from '../../../kit/bus/bus.ts';
import { ORDER_CREATED } from '../domain/order-created.ts';
import type { OutboxEvent } from '../store/outbox-store.ts';
import { type OutboxPublisher, eventHeaders } from './outbox-publisher.ts';

/**
 * Embedded: each event is sent to the Bus's queue (orders.created), the queue the worker consumes on any
 * transport, with the same headers as on RabbitMQ. The Bus resolves the send once its transport holds it.
 */
export class BusOutboxPublisher implements OutboxPublisher {
  constructor(
    private readonly bus: Bus,
    private readonly queue: string = ORDER_CREATED.routingKey,
  ) {}

  async connect(): Promise<void> {}

  publish(event: OutboxEvent): Promise<void> {
    return this.bus.send(this.queue, JSON.parse(event.payload) as unknown, { headers: eventHeaders(event) });
  }

  async check(): Promise<string> {
    return this.bus.closed ? 'the bus is closed' : 'ok';
  }

  async close(): Promise<void> {}
}
