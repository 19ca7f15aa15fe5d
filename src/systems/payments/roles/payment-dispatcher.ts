import type { Logger } from '../../../kit/observe/log.ts';
import { BoundedQueue } from '../../../kit/resilience/bounded-queue.ts';
import type { HealthReport } from '../domain/health-report.ts';
import { parseInstant } from '../domain/instant.ts';
import type { Payment } from '../domain/payment.ts';
import { PROCESSORS, type ProcessorName } from '../domain/processors.ts';
import { type RoutingPolicy, chooseProcessor } from '../domain/routing.ts';
import type { LedgerEntry, PaymentLedger } from '../store/payment-ledger.ts';
import type { SendJournal } from '../store/send-journal.ts';
import { type DispatcherStats, paymentsProcessed, paymentsRetried, trackStats } from './payments-metrics.ts';
import type { ProcessorClient } from './processor-client.ts';
import { ProcessorLane } from './processor-lane.ts';

export type Settled = 'recorded' | 'purged';

interface Pending extends Payment {
  /** performance.now() when it reached this dispatcher: how long it has waited. */
  queuedAt: number;
  /**
   * The processor whose answer was lost: it may still store the payment (it applies its delay first and does not
   * stop when the caller hangs up), so only it may take the payment from then on, or it would be charged twice.
   */
  pinned?: ProcessorName;
  settle: (outcome: Settled) => void;
}

export interface DispatcherOptions {
  clients: Record<ProcessorName, ProcessorClient>;
  ledger: PaymentLedger;
  policy: RoutingPolicy;
  /** Accepted payments that may wait at once; past it POST /payments answers 503. */
  queueCapacity: number;
  /** Requests this instance keeps open to each processor (theirs allow 800 + 500 queued across all callers). */
  maxInFlight: number;
  log: Logger;
  /** Where each send is noted before it leaves, when another dispatcher may take the payment over after a crash. */
  journal?: SendJournal;
}

const IDLE_RECHECK_MS = 50;
/**
 * Sends started in one turn of the event loop. After a backlog (both processors were down) thousands of
 * payments are ready at once; starting them all in one turn would hold up the POSTs waiting for their 202.
 */
const SENDS_PER_TURN = 8;
const MAX_RECORD_BACKOFF_MS = 2_000;
/** How soon a pinned payment that its processor refused is offered to it again. */
const PINNED_RETRY_MS = 250;

/**
 * Sends accepted payments to a processor, never dropping one: a refusal puts it back at the head of the queue,
 * a lost answer pins the payment to that processor (it may store it yet: sending it elsewhere could charge it
 * twice), where it is looked up and sent again until that processor has it, and a ledger write that fails is
 * retried until it lands.
 */
export class PaymentDispatcher {
  readonly #queue: BoundedQueue<Pending>;
  readonly #lanes: Record<ProcessorName, ProcessorLane>;
  readonly #options: DispatcherOptions;
  readonly #untrack: () => void;
  #recheck: NodeJS.Timeout | undefined;
  #resume: NodeJS.Immediate | undefined;
  #reconciling = 0;
  #unrecorded = 0;
  /** Bumped by purge, so answers to payments sent before it are not recorded after it. */
  #generation = 0;
  #closed = false;
  #journalDown = false;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#queue = new BoundedQueue(options.queueCapacity);
    this.#lanes = {
      default: new ProcessorLane('default', options.clients.default, options.maxInFlight),
      fallback: new ProcessorLane('fallback', options.clients.fallback, options.maxInFlight),
    };
    this.#untrack = trackStats(() => this.stats());
  }

  /**
   * Resolves once the payment is in the ledger (or dropped by a purge); undefined when the queue is full.
   * Sending starts in a later turn of the event loop. `sentTo`: a processor a dead dispatcher sent it to, which
   * is asked first and is the only one it may go to, as after a lost answer.
   */
  submit(payment: Payment, sentTo?: ProcessorName): Promise<Settled> | undefined {
    let settle!: (outcome: Settled) => void;
    const settled = new Promise<Settled>((resolve) => (settle = resolve));
    const pending: Pending = { correlationId: payment.correlationId, amountCents: payment.amountCents, queuedAt: performance.now(), settle };
    if (sentTo) {
      pending.pinned = sentTo;
      this.#reconcile(this.#lanes[sentTo], pending, 0);
      return settled;
    }
    if (!this.#queue.push(pending)) return undefined;
    this.#pumpSoon();
    return settled;
  }

  #pumpSoon(): void {
    this.#resume ??= setImmediate(() => {
      this.#resume = undefined;
      this.pump();
    });
  }

  applyHealth(report: HealthReport): void {
    for (const name of PROCESSORS) {
      const health = report.processors[name];
      if (health) this.#lanes[name].applyHealth(health, report.checkedAt);
    }
    this.pump();
  }

  pump(): void {
    if (this.#closed || this.#resume) return;
    let started = 0;
    while (this.#queue.size > 0) {
      if (started === SENDS_PER_TURN) return this.#pumpSoon();
      const now = performance.now();
      const views = { default: this.#lanes.default.view(now), fallback: this.#lanes.fallback.view(now) };
      const choice = chooseProcessor(views, now - this.#queue.peek()!.queuedAt, this.#options.policy);
      if (!choice) {
        // Nothing can take it now: look again shortly (a breaker half-opens, a slot frees, the wait reaches the spill point).
        this.#recheckSoon();
        return;
      }
      void this.#send(this.#lanes[choice], this.#queue.shift()!);
      started += 1;
    }
  }

  #recheckSoon(): void {
    this.#recheck ??= setTimeout(() => {
      this.#recheck = undefined;
      this.pump();
    }, IDLE_RECHECK_MS);
  }

  async #send(lane: ProcessorLane, payment: Pending): Promise<void> {
    const generation = this.#generation;
    const token = lane.begin(performance.now());
    if (this.#options.journal && !(await this.#noteSending(lane, payment, token))) return;
    const requestedAtMs = Date.now();
    const outcome = await lane.client.send(payment.correlationId, payment.amountCents, new Date(requestedAtMs).toISOString());
    const current = generation === this.#generation;
    if (!current) payment.settle('purged');
    switch (outcome.kind) {
      case 'processed':
        lane.end(token, performance.now(), 'ok');
        paymentsProcessed.inc({ processor: lane.name });
        if (current) this.#record({ processor: lane.name, correlationId: payment.correlationId, amountCents: payment.amountCents, requestedAtMs }, payment.settle);
        break;
      case 'duplicate':
        // Stored there before (a resend after a lost answer): learn its requestedAt from the processor.
        lane.end(token, performance.now(), 'neutral');
        if (current) this.#reconcile(lane, payment, 0);
        break;
      case 'unknown':
        lane.end(token, performance.now(), 'failed');
        paymentsRetried.inc({ processor: lane.name, outcome: outcome.kind });
        payment.pinned = lane.name;
        if (current) this.#reconcile(lane, payment, Math.max(1_000, lane.view(performance.now()).latencyMs + 500));
        break;
      default:
        // A 429 counts as a failure too: retried at once, a full limiter would answer the retry as fast as it refused it.
        lane.end(token, performance.now(), 'failed');
        paymentsRetried.inc({ processor: lane.name, outcome: outcome.kind });
        if (!current) break;
        if (payment.pinned) this.#resendPinned(lane, payment, PINNED_RETRY_MS);
        else this.#queue.returnToFront(payment);
    }
    this.pump();
  }

  /** False when the note could not be written: then nothing was sent, and the payment waits to be tried again. */
  async #noteSending(lane: ProcessorLane, payment: Pending, token: number): Promise<boolean> {
    try {
      await this.#options.journal!.sending(payment.correlationId, lane.name);
      this.#journalDown = false;
      return true;
    } catch (err) {
      if (!this.#journalDown) this.#options.log.warn('cannot note where payments go; holding them until it can', { err });
      this.#journalDown = true;
      lane.end(token, performance.now(), 'neutral');
      if (payment.pinned) this.#resendPinned(lane, payment, PINNED_RETRY_MS);
      else this.#queue.returnToFront(payment);
      this.#recheckSoon();
      return false;
    }
  }

  #reconcile(lane: ProcessorLane, payment: Pending, afterMs: number): void {
    this.#reconciling += 1;
    const generation = this.#generation;
    const attempt = async () => {
      if (this.#closed || generation !== this.#generation) {
        this.#reconciling -= 1;
        if (!this.#closed) payment.settle('purged');
        return;
      }
      try {
        const found = await lane.client.lookup(payment.correlationId);
        this.#reconciling -= 1;
        if (found.found) {
          let requestedAtMs = parseInstant(found.requestedAt);
          if (Number.isNaN(requestedAtMs)) {
            this.#options.log.warn('the processor holds a requestedAt that is not an instant; recording it as now', { processor: lane.name, requestedAt: found.requestedAt });
            requestedAtMs = Date.now();
          }
          this.#record({ processor: lane.name, correlationId: payment.correlationId, amountCents: found.amountCents || payment.amountCents, requestedAtMs }, payment.settle);
        } else {
          // Not there yet, which does not mean it never will be: send it again to the same processor, which
          // answers 422 if the first attempt landed meanwhile.
          this.#resendPinned(lane, payment, 0);
        }
      } catch (err) {
        this.#options.log.warn('lookup failed; trying again', { processor: lane.name, correlationId: payment.correlationId, err });
        setTimeout(() => void attempt(), 1_000);
      }
    };
    setTimeout(() => void attempt(), afterMs);
  }

  /** A pinned payment goes back to its processor only, after `afterMs`; it counts as pending meanwhile. */
  #resendPinned(lane: ProcessorLane, payment: Pending, afterMs: number): void {
    this.#reconciling += 1;
    const generation = this.#generation;
    setTimeout(() => {
      this.#reconciling -= 1;
      if (this.#closed) return;
      if (generation !== this.#generation) return payment.settle('purged');
      void this.#send(lane, payment);
    }, afterMs);
  }

  #record(entry: LedgerEntry, settle: (outcome: Settled) => void, backoffMs = 50): void {
    this.#unrecorded += 1;
    this.#options.ledger.record(entry).then(
      () => {
        this.#unrecorded -= 1;
        settle('recorded');
        this.#options.journal?.forget(entry.correlationId).catch(() => undefined);
      },
      (err: unknown) => {
        this.#unrecorded -= 1;
        this.#options.log.warn('ledger write failed; retrying', { correlationId: entry.correlationId, err });
        if (!this.#closed) setTimeout(() => this.#record(entry, settle, Math.min(backoffMs * 2, MAX_RECORD_BACKOFF_MS)), backoffMs);
      },
    );
  }

  /** Drops what waits here (POST /purge-payments); answers still on their way are not recorded. */
  purge(): number {
    this.#generation += 1;
    const dropped = this.#queue.clear();
    for (const payment of dropped) payment.settle('purged');
    return dropped.length;
  }

  stats(): DispatcherStats {
    return {
      queued: this.#queue.size,
      capacity: this.#queue.capacity,
      inFlight: { default: this.#lanes.default.inFlight, fallback: this.#lanes.fallback.inFlight },
      reconciling: this.#reconciling,
      unrecorded: this.#unrecorded,
    };
  }

  /** Waits, up to `timeoutMs`, for everything accepted to be sent and recorded: a graceful stop loses nothing it can finish. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.pending > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.pending === 0;
  }

  /** Payments taken and not yet recorded: queued, in flight, being looked up, or being written. */
  get pending(): number {
    return this.#queue.size + this.#lanes.default.inFlight + this.#lanes.fallback.inFlight + this.#reconciling + this.#unrecorded;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#recheck);
    clearImmediate(this.#resume);
    this.#untrack();
  }
}
