import type { Bus } from '../../../kit/bus/bus.ts';
import type { Subscription } from '../../../kit/bus/transport.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { type PurgeNotice } from '../domain/accepted-payment.ts';
import { PURGE_TOPIC } from '../domain/health-report.ts';
import { PaymentRejection, parsePayment } from '../domain/payment.ts';
import type { Summary, TimeRange } from '../domain/summary.ts';
import type { PaymentLedger } from '../store/payment-ledger.ts';
import type { PaymentHandoff } from './payment-handoff.ts';
import { paymentsAccepted, paymentsRejected, trackOutbox } from './payments-metrics.ts';

export interface PaymentsApiOptions {
  instanceId: string;
  bus: Bus;
  ledger: PaymentLedger;
  log: Logger;
  /** The shared queue (an AcceptedOutbox) or a dispatcher in this process. */
  handoff: PaymentHandoff;
}

/**
 * The client-facing side of one instance: it checks a payment, refuses a duplicate, answers, and puts the payment
 * on the dispatchers' queue. Nothing a processor does can slow its answer. Duplicates are caught per instance:
 * the load balancer sends each correlationId to the same instance.
 */
export class PaymentsApi {
  readonly #accepted = new Set<string>();
  readonly #handoff: PaymentHandoff;
  readonly #subscriptions: Subscription[] = [];
  readonly #untrack: () => void;

  private constructor(private readonly options: PaymentsApiOptions) {
    this.#handoff = options.handoff;
    this.#untrack = trackOutbox(() => this.#handoff.size);
  }

  static async start(options: PaymentsApiOptions): Promise<PaymentsApi> {
    const api = new PaymentsApi(options);
    api.#subscriptions.push(
      await options.bus.subscribe<PurgeNotice>(PURGE_TOPIC, (message) => {
        if (message.body.from !== options.instanceId) api.#accepted.clear();
      }),
    );
    return api;
  }

  /** Takes a POST /payments body, or throws the PaymentRejection its client gets. */
  accept(body: string): void {
    try {
      const payment = parsePayment(body);
      if (this.#accepted.has(payment.correlationId)) throw new PaymentRejection(409, `correlationId ${payment.correlationId} was already accepted: each payment needs a new one`);
      if (!this.#handoff.offer({ ...payment, acceptedAt: Date.now() })) throw new PaymentRejection(503, 'too many payments are waiting to be sent: retry in a few seconds');
      this.#accepted.add(payment.correlationId);
      paymentsAccepted.inc();
    } catch (err) {
      if (err instanceof PaymentRejection) paymentsRejected.inc({ status: err.status });
      throw err;
    }
  }

  summary(range: TimeRange): Promise<Summary> {
    return this.options.ledger.summary(range);
  }

  /** POST /purge-payments: the ledger, then every instance's duplicate check and every dispatcher's queue. */
  async purge(): Promise<void> {
    const notice: PurgeNotice = { from: this.options.instanceId, at: Date.now() };
    this.#accepted.clear();
    await this.options.ledger.purge(notice.at);
    await this.options.bus.publish(PURGE_TOPIC, notice);
  }

  stats(): Record<string, unknown> {
    return { instance: this.options.instanceId, accepted: this.#accepted.size, unqueued: this.#handoff.size };
  }

  /** Stops taking work, then gives the payments it holds up to `graceMs` to reach the queue. */
  async close(graceMs = 5_000): Promise<void> {
    for (const s of this.#subscriptions.splice(0)) await s.cancel();
    if (!(await this.#handoff.flush(graceMs))) this.options.log.warn('stopped with accepted payments not queued', { count: this.#handoff.size });
    this.#untrack();
  }
}
