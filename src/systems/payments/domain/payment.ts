import { MAX_AMOUNT_CENTS, exactCents } from './money.ts';

export interface Payment {
  correlationId: string;
  amountCents: number;
}

/** A request the API refuses, with the status and the reason the client gets. */
export class PaymentRejection extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 413 | 422 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'PaymentRejection';
  }
}

/** A payment body is about 70 bytes; anything this large is not one. nginx refuses it too, with the same answer. */
export const MAX_BODY_BYTES = 16 * 1024;
export const BODY_TOO_LARGE = `the body is over ${MAX_BODY_BYTES} bytes: a payment is {"correlationId", "amount"}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && value.length === 36 && UUID.test(value);
}

/** `{correlationId, amount}` from a request body, or a 400/422 that names the field. */
export function parsePayment(body: string): Payment {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PaymentRejection(400, 'the body is not valid JSON: send {"correlationId": "<uuid>", "amount": 19.90}');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PaymentRejection(400, 'the body must be a JSON object: {"correlationId": "<uuid>", "amount": 19.90}');
  }
  const { correlationId, amount } = json as Record<string, unknown>;
  if (correlationId === undefined) throw new PaymentRejection(422, 'correlationId is missing: send a UUID');
  if (!isUuid(correlationId)) throw new PaymentRejection(422, 'correlationId must be a UUID, as in 4a7901b8-7d26-4d9d-aa19-4dc1c7cf60b3');
  if (amount === undefined) throw new PaymentRejection(422, 'amount is missing: send a positive decimal, as in 19.90');
  return { correlationId: correlationId.toLowerCase(), amountCents: amountInCents(amount) };
}

function amountInCents(amount: unknown): number {
  if (typeof amount !== 'number' || !(amount > 0)) throw new PaymentRejection(422, 'amount must be a positive number of at least 0.01, as in 19.90');
  if (amount > MAX_AMOUNT_CENTS / 100) throw new PaymentRejection(422, `amount must be at most ${MAX_AMOUNT_CENTS / 100}, as in 19.90`);
  const cents = exactCents(amount);
  if (cents === undefined) throw new PaymentRejection(422, `amount ${amount} has more than two decimals: send whole cents, as in 19.90`);
  if (cents < 1) throw new PaymentRejection(422, 'amount must be a positive number of at least 0.01, as in 19.90');
  return cents;
}
