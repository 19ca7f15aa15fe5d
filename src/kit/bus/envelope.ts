import { RandomBatch } from '../observe/random-batch.ts';

/** One message as it travels on any transport. Maps one-to-one onto AMQP properties and Redis Stream fields. */
export interface Envelope {
  id: string;
  correlationId?: string;
  replyTo?: string;
  /** String map; `traceparent` travels here. */
  headers: Record<string, string>;
  /** Milliseconds since the epoch, set by the sender. */
  timestamp: number;
  /** 1 on first delivery; each retry or crash redelivery adds one. */
  attempt: number;
  contentType: string;
  body: Uint8Array;
}

const uuids = new RandomBatch('xxxxxxxx-xxxx-4xxx-vxxx-xxxxxxxxxxxx');

/** A fresh message id: a random (version 4) UUID. */
export function newMessageId(): string {
  return uuids.next();
}

export type EnvelopeInit = Partial<Omit<Envelope, 'body'>>;

export function createEnvelope(body: Uint8Array, init: EnvelopeInit = {}): Envelope {
  return {
    id: init.id ?? newMessageId(),
    correlationId: init.correlationId,
    replyTo: init.replyTo,
    headers: init.headers ?? {},
    timestamp: init.timestamp ?? Date.now(),
    attempt: init.attempt ?? 1,
    contentType: init.contentType ?? 'application/octet-stream',
    body,
  };
}

/** The copy that goes back on the queue for another try. */
export function nextAttempt(envelope: Envelope, headers: Record<string, string> = {}): Envelope {
  return { ...envelope, attempt: envelope.attempt + 1, headers: { ...envelope.headers, ...headers } };
}
