import type { AcceptedPayment } from '../domain/accepted-payment.ts';

/** Where the API puts a payment it has accepted: the shared queue, or a dispatcher in the same process. */
export interface PaymentHandoff {
  /** False when it cannot take more now: the client gets 503. */
  offer(payment: AcceptedPayment): boolean;
  /** Payments taken but not yet safely handed on. */
  readonly size: number;
  /** Waits up to `timeoutMs` until nothing is left in hand. */
  flush(timeoutMs: number): Promise<boolean>;
}
