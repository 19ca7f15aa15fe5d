import type { Bus } from '../../../kit/bus/bus.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { type PurgeNotice } from '../domain/accepted-payment.ts';
import { PURGE_TOPIC } from '../domain/health-report.ts';
import { PaymentRejection, parsePayment } from '../domain/payment.ts';
import type { Summary, TimeRange } from '../domain/summary.ts';
import type { PaymentLedger } from '../store/payment-ledger.ts';
import { MemorySeenIds, type SeenIds } from '../store/seen-ids.ts';
import type { PaymentHandoff } from './payment-handoff.ts';
import { paymentsAccepted, paymentsRejected, trackOutbox } from './payments-metrics.ts';

export interface PaymentsApiOptions {
  instanceId: string;
  bus: Bus;
  ledger: PaymentLedger;
  log: Logger;
  /** The shared queue (an AcceptedOutbox) or a dispatcher in this process. */
  handoff: PaymentHandoff;
  /** The ids accepted so far: in this process unless the store shares them (Redis). */
  seen?: SeenIds;
}

/**
 * The client-facing side of one instance: it checks a payment, refuses a duplicate, answers, and puts the payment
 * on the dispatchers' queue. Nothing a processor does can slow its answer. Duplicates are caught by the set of
 * ids the whole deployment has accepted (one Redis round trip), whatever instance a repeat lands on.
 */
export class PaymentsApi {
  readonly #seen: SeenIds;
  readonly #handoff: PaymentHandoff;
  readonly #untrack: () => void;
  #accepted = 0;

  private constructor(private readonly options: PaymentsApiOptions) {
    this.#handoff = options.handoff;
    this.#seen = options.seen ?? new MemorySeenIds();
    this.#untrack = trackOutbox(() => this.#handoff.size);
  }

  static async start(options: PaymentsApiOptions): Promise<PaymentsApi> {
    return new PaymentsApi(options);
  }

  /** Takes a POST /payments body; rejects with the PaymentRejection its client gets. */
  async accept(body: string): Promise<void> {
    try {
      const payment = parsePayment(body);
      let isNew;
      try {
        isNew = await this.#seen.add(payment.correlationId);
      } catch (err) {
        this.options.log.warn('cannot check for a duplicate', { err });
        throw new PaymentRejection(503, 'the store that catches duplicates did not answer: retry in a few seconds');
      }
      if (!isNew) throw new PaymentRejection(409, `correlationId ${payment.correlationId} was already accepted: each payment needs a new one`);
      if (!this.#handoff.offer({ ...payment, acceptedAt: Date.now() })) {
        await this.#seen.remove(payment.correlationId).catch(() => undefined);
        throw new PaymentRejection(503, 'too many payments are waiting to be sent: retry in a few seconds');
      }
      this.#accepted += 1;
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
    await this.#seen.clear();
    this.#accepted = 0;
    await this.options.ledger.purge(notice.at);
    await this.options.bus.publish(PURGE_TOPIC, notice);
  }

  stats(): Record<string, unknown> {
    return { instance: this.options.instanceId, accepted: this.#accepted, unqueued: this.#handoff.size };
  }

  /** Stops taking work, then gives the payments it holds up to `graceMs` to reach the queue. */
  async close(graceMs = 5_000): Promise<void> {
    if (!(await this.#handoff.flush(graceMs))) this.options.log.warn('stopped with accepted payments not queued', { count: this.#handoff.size });
    this.#untrack();
  }
}
