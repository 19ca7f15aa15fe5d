import { randomUUID } from 'node:crypto';
import type { Message, Options } from 'amqplib';
import type { Envelope } from '../../envelope.ts';

/**
 * How an envelope looks on RabbitMQ: native AMQP properties only, so any AMQP client takes part without
 * this library. messageId, correlationId, replyTo, contentType and timestamp (seconds, as AMQP defines it)
 * are the envelope's own; headers is a table of strings plus two integers:
 *   x-attempt       written only from the second attempt on; absent means 1
 *   x-timestamp-ms  the timestamp in milliseconds; absent means timestamp * 1000
 * The body travels as is. A plain client's message without messageId gets a fresh one.
 */
export const ATTEMPT_HEADER = 'x-attempt';
export const TIMESTAMP_MS_HEADER = 'x-timestamp-ms';

/**
 * A basic.publish's method fields and message properties in one object, the shape amqplib's publish() builds
 * from its options and hands to Channel.sendMessage. Built here with the headers as a plain object: publish()
 * makes the options' headers the prototype of a new object, which V8 pays for by turning every message's
 * headers into a prototype (about a microsecond a publish here). The same object is valid publish() options.
 */
export interface PublishFields extends Options.Publish {
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  headers: Record<string, unknown>;
  deliveryMode: 1 | 2;
}

export function toPublishFields(exchange: string, routingKey: string, envelope: Envelope, persistent: boolean, mandatory = false): PublishFields {
  const headers: Record<string, unknown> = {};
  for (const name in envelope.headers) headers[name] = envelope.headers[name];
  // The broker decodes every entry of every message's table: the first attempt, the common case, costs none.
  if (envelope.attempt !== 1) headers[ATTEMPT_HEADER] = envelope.attempt;
  headers[TIMESTAMP_MS_HEADER] = envelope.timestamp;
  return {
    exchange,
    routingKey,
    mandatory,
    immediate: false,
    ticket: undefined,
    contentType: envelope.contentType,
    contentEncoding: undefined,
    headers,
    deliveryMode: persistent ? 2 : 1,
    priority: undefined,
    correlationId: envelope.correlationId,
    replyTo: envelope.replyTo,
    expiration: undefined,
    messageId: envelope.id,
    timestamp: Math.floor(envelope.timestamp / 1000),
    type: undefined,
    userId: undefined,
    appId: undefined,
    clusterId: undefined,
  } as PublishFields;
}

export function toContent(envelope: Envelope): Buffer {
  const body = envelope.body;
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function fromMessage(message: Message): Envelope {
  const props = message.properties;
  const raw: Record<string, unknown> = props.headers ?? {};
  const headers: Record<string, string> = {};
  for (const name in raw) {
    if (name === ATTEMPT_HEADER || name === TIMESTAMP_MS_HEADER || isDeathHeader(name)) continue;
    const text = headerText(raw[name]);
    if (text !== undefined) headers[name] = text;
  }
  if (raw['x-first-death-reason'] !== undefined) explainBrokerDeadLetter(raw, headers);
  const seconds = typeof props.timestamp === 'number' ? props.timestamp * 1000 : undefined;
  const envelope: Envelope = {
    id: typeof props.messageId === 'string' && props.messageId !== '' ? props.messageId : randomUUID(),
    headers,
    timestamp: positiveInteger(raw[TIMESTAMP_MS_HEADER]) ?? seconds ?? Date.now(),
    attempt: positiveInteger(raw[ATTEMPT_HEADER]) ?? 1,
    contentType: typeof props.contentType === 'string' ? props.contentType : '',
    body: message.content,
  };
  if (typeof props.correlationId === 'string') envelope.correlationId = props.correlationId;
  if (typeof props.replyTo === 'string' && props.replyTo !== '') envelope.replyTo = props.replyTo;
  return envelope;
}

/** RabbitMQ's own dead-lettering bookkeeping; a delayed message picks it up on every delay. */
function isDeathHeader(name: string): boolean {
  return name === 'x-death' || name.startsWith('x-first-death-') || name.startsWith('x-last-death-');
}

/**
 * A message the broker itself parked (a plain client's reject, an overflow) says why in the same headers
 * the Bus writes when it parks one. Expiry is how delays work, so it is not a reason.
 */
function explainBrokerDeadLetter(raw: Record<string, unknown>, headers: Record<string, string>): void {
  const reason = raw['x-first-death-reason'];
  const queue = raw['x-first-death-queue'];
  if (typeof reason !== 'string' || reason === 'expired' || headers['x-dead-letter-reason'] !== undefined) return;
  headers['x-dead-letter-reason'] = `RabbitMQ dead-lettered it: ${reason}`;
  if (typeof queue === 'string') headers['x-dead-letter-queue'] = queue;
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  // amqplib's typed values, e.g. { '!': 'timestamp', value: 1700000000 }
  if (value !== null && typeof value === 'object' && '!' in value && 'value' in value) {
    const inner = (value as { value: unknown }).value;
    if (typeof inner === 'number' || typeof inner === 'string') return String(inner);
  }
  return undefined; // arrays and tables have no string form worth keeping
}

function positiveInteger(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' || typeof value === 'bigint' ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
