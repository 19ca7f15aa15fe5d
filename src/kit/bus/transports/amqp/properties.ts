import { randomUUID } from 'node:crypto';
import type { Message, Options } from 'amqplib';
import type { Envelope } from '../../envelope.ts';

/**
 * How an envelope looks on RabbitMQ: native AMQP properties only, so any AMQP client takes part without
 * this library. messageId, correlationId, replyTo, contentType and timestamp (seconds, as AMQP defines it)
 * are the envelope's own; headers is a table of strings plus two integers:
 *   x-attempt       1 on first delivery; absent means 1
 *   x-timestamp-ms  the timestamp in milliseconds; absent means timestamp * 1000
 * The body travels as is. A plain client's message without messageId gets a fresh one.
 */
export const ATTEMPT_HEADER = 'x-attempt';
export const TIMESTAMP_MS_HEADER = 'x-timestamp-ms';

export function toPublishOptions(envelope: Envelope, persistent: boolean, mandatory = false): Options.Publish {
  const options: Options.Publish = {
    mandatory,
    messageId: envelope.id,
    contentType: envelope.contentType,
    timestamp: Math.floor(envelope.timestamp / 1000),
    headers: { ...envelope.headers, [ATTEMPT_HEADER]: envelope.attempt, [TIMESTAMP_MS_HEADER]: envelope.timestamp },
    persistent,
  };
  if (envelope.correlationId !== undefined) options.correlationId = envelope.correlationId;
  if (envelope.replyTo !== undefined) options.replyTo = envelope.replyTo;
  return options;
}

export function toContent(envelope: Envelope): Buffer {
  const body = envelope.body;
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function fromMessage(message: Message): Envelope {
  const props = message.properties;
  const raw: Record<string, unknown> = props.headers ?? {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name === ATTEMPT_HEADER || name === TIMESTAMP_MS_HEADER || isDeathHeader(name)) continue;
    const text = headerText(value);
    if (text !== undefined) headers[name] = text;
  }
  explainBrokerDeadLetter(raw, headers);
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
