import type { Logger } from '../../../kit/observe/log.ts';
import type { AcceptedPayment } from '../domain/accepted-payment.ts';
import type { PaymentHandoff } from './payment-handoff.ts';
import { paymentsDroppedRepeats } from './payments-metrics.ts';

const RETRY_MS = 50;

/**
 * Payments answered before the deployment confirmed that their correlationId is new (see SeenIds). Each goes on
 * to the handoff once its claim is confirmed, and is dropped when another instance's claim of the same id came
 * first, so a repeat sent to two instances at once is charged once. One the handoff cannot take yet waits here
 * and is offered again, never dropped; while one waits, the API refuses new payments (503).
 */
export class UnconfirmedPayments {
  #held = 0;
  #waiting: AcceptedPayment[] = [];
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly handoff: PaymentHandoff,
    private readonly log: Logger,
  ) {}

  hold(payment: AcceptedPayment, first: Promise<boolean>): void {
    this.#held += 1;
    first.then(
      (isFirst) => {
        this.#held -= 1;
        if (isFirst) return this.#handOn(payment);
        paymentsDroppedRepeats.inc();
        this.log.warn('a repeat answered 202 here was claimed first by another instance: not sent', { correlationId: payment.correlationId });
      },
      (err: unknown) => {
        // Not expected (such claims are retried until Redis answers): keep the payment rather than lose it.
        this.#held -= 1;
        this.log.error('no verdict on a claim; sending the payment', { err, correlationId: payment.correlationId });
        this.#handOn(payment);
      },
    );
  }

  /** Payments answered and not yet handed on. */
  get size(): number {
    return this.#held + this.#waiting.length;
  }

  /** The handoff refused one: take no more until it has room again. */
  get backlogged(): boolean {
    return this.#waiting.length > 0;
  }

  #handOn(payment: AcceptedPayment): void {
    if (this.#waiting.length === 0 && this.handoff.offer(payment)) return;
    this.#waiting.push(payment);
    this.#retry ??= setTimeout(() => this.#offerWaiting(), RETRY_MS);
  }

  #offerWaiting(): void {
    this.#retry = undefined;
    while (this.#waiting.length > 0 && this.handoff.offer(this.#waiting[0]!)) this.#waiting.shift();
    if (this.#waiting.length > 0) this.#retry = setTimeout(() => this.#offerWaiting(), RETRY_MS);
  }

  /** Waits up to `timeoutMs` until every payment held here is handed on or dropped. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.size > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    clearTimeout(this.#retry);
    return this.size === 0;
  }
}
