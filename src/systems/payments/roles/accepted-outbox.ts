import type { Bus } from '../../../kit/bus/bus.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { ACCEPTED_QUEUE, type AcceptedPayment } from '../domain/accepted-payment.ts';
import type { PaymentHandoff } from './payment-handoff.ts';

const RETRY_MS = 200;

/**
 * Hands accepted payments to the dispatchers' queue without holding up the client's 202. A send that fails
 * (the store is down, the queue is full) is kept here and retried, so a payment once accepted is not lost
 * while this process lives; past `capacity` kept payments, the API refuses new ones with 503.
 */
export class AcceptedOutbox implements PaymentHandoff {
  #waiting: AcceptedPayment[] = [];
  #sending = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    readonly capacity = 10_000,
  ) {}

  /** Payments not yet confirmed by the queue. */
  get size(): number {
    return this.#waiting.length + this.#sending;
  }

  get full(): boolean {
    return this.#waiting.length >= this.capacity;
  }

  offer(payment: AcceptedPayment): boolean {
    if (this.full) return false;
    this.push(payment);
    return true;
  }

  push(payment: AcceptedPayment): void {
    this.#sending += 1;
    this.bus.send(ACCEPTED_QUEUE, payment).then(
      () => void (this.#sending -= 1),
      (err: unknown) => {
        this.#sending -= 1;
        if (this.#waiting.length === 0) this.log.warn('cannot queue accepted payments; keeping them and retrying', { err });
        this.#waiting.push(payment);
        this.#retry ??= setTimeout(() => this.#resend(), RETRY_MS);
      },
    );
  }

  #resend(): void {
    this.#retry = undefined;
    const batch = this.#waiting;
    this.#waiting = [];
    for (const payment of batch) this.push(payment);
  }

  /** Waits up to `timeoutMs` for everything kept here to reach the queue. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.size > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    clearTimeout(this.#retry);
    return this.size === 0;
  }
}
