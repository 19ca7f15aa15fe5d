import { newTraceparent } from '../../../kit/observe/trace.ts';
import { EVENT_HEADERS } from '../domain/order-created.ts';
import type { OutboxEvent } from '../store/outbox-store.ts';

/**
 * Where the relay hands each outbox event: RabbitMQ through exchange orders_exchange with publisher confirms
 * (the cluster), or the platform's Bus (embedded). Chosen once, when the relay is made.
 */
export interface OutboxPublisher {
  /** Resolves once events can be published, connecting if need be; rejects with the reason when they cannot. */
  connect(): Promise<void>;
  /** Resolves once the broker holds the event (its confirm); rejects when it may not. */
  publish(event: OutboxEvent): Promise<void>;
  /** 'ok', or why events cannot be published now: for /health. */
  check(): Promise<string>;
  close(): Promise<void>;
}

/** The headers every published event carries, as the worker reads them. */
export function eventHeaders(event: OutboxEvent): Record<string, string> {
  return {
    [EVENT_HEADERS.eventId]: event.id,
    [EVENT_HEADERS.eventVersion]: String(event.eventVersion),
    [EVENT_HEADERS.aggregateId]: event.aggregateId,
    [EVENT_HEADERS.traceparent]: event.traceparent ?? newTraceparent(),
  };
}
