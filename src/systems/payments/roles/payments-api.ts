import type { Bus } from '../../../kit/bus/bus.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import type { Subscription } from '../../../kit/bus/transport.ts';
import { type AcceptedPayment, type PurgeNotice } from '../domain/accepted-payment.ts';
import { PURGE_TOPIC } from '../domain/health-report.ts';
import { PaymentRejection, parsePayment } from '../domain/payment.ts';
import type { Summary, TimeRange } from '../domain/summary.ts';
import type { PaymentLedger } from '../store/payment-ledger.ts';
import { type Claim, MemorySeenIds, SEEN, type SeenIds } from '../store/seen-ids.ts';
import type { PaymentHandoff } from './payment-handoff.ts';
import { paymentsAccepted, paymentsClaims, paymentsRejected, trackOutbox } from './payments-metrics.ts';
import { UnconfirmedPayments } from './unconfirmed-payments.ts';

const QUEUE_FULL = 'too many payments are waiting to be sent: retry in a few seconds';
const STORE_DOWN = 'the store that catches duplicates did not answer: retry in a few seconds';

function alreadyAccepted(correlationId: string): PaymentRejection {
  return new PaymentRejection(409, `correlationId ${correlationId} was already accepted: each payment needs a new one`);
}

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
 * on the dispatchers' queue. Nothing a processor does can slow its answer. A repeated id is refused on whatever
 * instance it lands (see SeenIds); for the ids nginx sends it, an instance answers without waiting for Redis.
 */
export class PaymentsApi {
  readonly #seen: SeenIds;
  readonly #handoff: PaymentHandoff;
  readonly #unconfirmed: UnconfirmedPayments;
  readonly #untrack: () => void;
  #purges: Subscription | undefined;
  #accepted = 0;

  private constructor(private readonly options: PaymentsApiOptions) {
    this.#handoff = options.handoff;
    this.#seen = options.seen ?? new MemorySeenIds();
    this.#unconfirmed = new UnconfirmedPayments(options.handoff, options.log);
    this.#untrack = trackOutbox(() => this.#handoff.size + this.#unconfirmed.size);
  }

  static async start(options: PaymentsApiOptions): Promise<PaymentsApi> {
    const api = new PaymentsApi(options);
    // Another instance's purge emptied the shared store: what this one holds of it goes too.
    api.#purges = await options.bus.subscribe<PurgeNotice>(PURGE_TOPIC, () => api.#seen.forget());
    return api;
  }

  /**
   * Takes a POST /payments body. Undefined when it is accepted at once; a promise when the answer waits for the
   * shared store's verdict on its correlationId. A refusal is the PaymentRejection its client gets, thrown or rejected.
   */
  accept(body: string): Promise<void> | undefined {
    try {
      const payment = parsePayment(body);
      if (this.#unconfirmed.backlogged) throw new PaymentRejection(503, QUEUE_FULL);
      const claim = this.#claim(payment.correlationId);
      if (claim === SEEN) throw alreadyAccepted(payment.correlationId);
      const accepted: AcceptedPayment = { ...payment, acceptedAt: Date.now() };
      if (typeof claim.first === 'boolean') this.#handOn(accepted, claim.first);
      else if (claim.answerNow) this.#unconfirmed.hold(accepted, claim.first);
      else return this.#afterVerdict(accepted, claim.first);
      this.#counted('at once');
      return undefined;
    } catch (err) {
      throw this.#refused(err);
    }
  }

  #claim(correlationId: string): Claim {
    try {
      return this.#seen.claim(correlationId);
    } catch (err) {
      this.options.log.warn('cannot check for a duplicate', { err });
      throw new PaymentRejection(503, STORE_DOWN);
    }
  }

  async #afterVerdict(payment: AcceptedPayment, first: Promise<boolean>): Promise<void> {
    try {
      let isFirst;
      try {
        isFirst = await first;
      } catch (err) {
        this.#seen.release(payment.correlationId);
        this.options.log.warn('cannot check for a duplicate', { err });
        throw new PaymentRejection(503, STORE_DOWN);
      }
      this.#handOn(payment, isFirst);
      this.#counted('after the store');
    } catch (err) {
      throw this.#refused(err);
    }
  }

  /** The verdict is in: the payment goes on now, or is refused. */
  #handOn(payment: AcceptedPayment, first: boolean): void {
    if (!first) throw alreadyAccepted(payment.correlationId);
    if (!this.#handoff.offer(payment)) {
      this.#seen.release(payment.correlationId);
      throw new PaymentRejection(503, QUEUE_FULL);
    }
  }

  #counted(answered: 'at once' | 'after the store'): void {
    this.#accepted += 1;
    paymentsAccepted.inc();
    paymentsClaims.inc({ answered });
  }

  #refused(err: unknown): unknown {
    if (err instanceof PaymentRejection) paymentsRejected.inc({ status: err.status });
    return err;
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
    return { instance: this.options.instanceId, accepted: this.#accepted, unqueued: this.#handoff.size + this.#unconfirmed.size };
  }

  /** Stops taking work, then gives the payments it holds up to `graceMs` to reach the queue. */
  async close(graceMs = 5_000): Promise<void> {
    await this.#purges?.cancel();
    const deadline = performance.now() + graceMs;
    if (!(await this.#unconfirmed.flush(graceMs))) this.options.log.warn('stopped with answered payments whose claim was not confirmed', { count: this.#unconfirmed.size });
    if (!(await this.#handoff.flush(Math.max(0, deadline - performance.now())))) this.options.log.warn('stopped with accepted payments not queued', { count: this.#handoff.size });
    this.#untrack();
  }
}
