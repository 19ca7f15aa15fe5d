import type { Bus } from '../../../kit/bus/bus.ts';
import type { Subscription } from '../../../kit/bus/transport.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import type { Lease } from '../../../kit/store/lease.ts';
import { ACCEPTED_QUEUE, type AcceptedPayment, type PurgeNotice } from '../domain/accepted-payment.ts';
import { HEALTH_TOPIC, type HealthReport, PURGE_TOPIC } from '../domain/health-report.ts';
import { PROCESSORS, type ProcessorName } from '../domain/processors.ts';
import { DEFAULT_ROUTING_POLICY, type RoutingPolicy } from '../domain/routing.ts';
import type { PaymentLedger } from '../store/payment-ledger.ts';
import type { SendJournal } from '../store/send-journal.ts';
import { HealthPoller } from './health-poller.ts';
import { PaymentDispatcher } from './payment-dispatcher.ts';
import type { PaymentHandoff } from './payment-handoff.ts';
import { ProcessorClient } from './processor-client.ts';

export interface DispatcherServiceOptions {
  instanceId: string;
  processorUrls: Record<ProcessorName, string>;
  /** Carries accepted payments (a work queue), health reports and purges. */
  bus: Bus;
  ledger: PaymentLedger;
  /** Decides which process polls the processors' health. */
  lease: Lease;
  log: Logger;
  policy?: RoutingPolicy;
  /** Payments taken off the queue at once; the rest wait in the queue (in Redis, in a cluster). */
  prefetch?: number;
  maxInFlight?: number;
  processorTimeoutMs?: number;
  /** How often the lease holder asks the processors' health: a little over their 5 s limit unless a test says otherwise. */
  healthIntervalMs?: number;
  /** Take payments off the shared queue (a standalone dispatcher), or only those handed over in this process. */
  consumeQueue?: boolean;
  /** Where sends are noted for a dispatcher that takes a payment over; without it a redelivery is routed afresh. */
  journal?: SendJournal;
}

/**
 * Takes accepted payments off the queue and sees each one into the ledger. A message is acknowledged only once
 * its payment is recorded, so a dispatcher that dies leaves its payments to be delivered again; the resend gets
 * 422 from a processor that already has it, and the dispatcher then records it under the processor's own
 * requestedAt instead of charging it twice.
 */
export class DispatcherService implements PaymentHandoff {
  readonly #dispatcher: PaymentDispatcher;
  readonly #clients: Record<ProcessorName, ProcessorClient>;
  readonly #poller: HealthPoller;
  readonly #subscriptions: Subscription[] = [];
  #purgedAt = 0;

  private constructor(private readonly options: DispatcherServiceOptions) {
    const maxInFlight = options.maxInFlight ?? 300;
    const client = (url: string) => new ProcessorClient(url, { maxSockets: maxInFlight, timeoutMs: options.processorTimeoutMs });
    this.#clients = { default: client(options.processorUrls.default), fallback: client(options.processorUrls.fallback) };
    this.#dispatcher = new PaymentDispatcher({
      clients: this.#clients,
      ledger: options.ledger,
      policy: options.policy ?? DEFAULT_ROUTING_POLICY,
      queueCapacity: options.prefetch ?? 5_000,
      maxInFlight,
      log: options.log,
      // Only a payment from the queue can reach a second dispatcher, after the first one's crash.
      journal: (options.consumeQueue ?? true) ? options.journal : undefined,
    });
    this.#poller = new HealthPoller(options.bus, options.lease, this.#clients, options.log, options.healthIntervalMs);
  }

  static async start(options: DispatcherServiceOptions): Promise<DispatcherService> {
    const service = new DispatcherService(options);
    const { bus } = options;
    service.#purgedAt = await options.ledger.purgedAt();
    service.#subscriptions.push(await bus.subscribe<HealthReport>(HEALTH_TOPIC, (message) => service.#dispatcher.applyHealth(message.body)));
    service.#subscriptions.push(
      await bus.subscribe<PurgeNotice>(PURGE_TOPIC, (message) => {
        service.#purgedAt = Math.max(service.#purgedAt, message.body.at);
        void options.journal?.clear().catch(() => undefined);
        const dropped = service.#dispatcher.purge();
        if (dropped > 0) options.log.info('purged payments still waiting', { dropped });
      }),
    );
    if (options.consumeQueue ?? true) {
      service.#subscriptions.push(
        await bus.consume<AcceptedPayment>(ACCEPTED_QUEUE, (message) => service.#handle(message.body, message.envelope.attempt), {
          prefetch: options.prefetch ?? 5_000,
          // A payment is never given up on: the handler waits for a processor rather than failing.
          maxAttempts: Number.MAX_SAFE_INTEGER,
        }),
      );
    }
    service.#poller.start();
    return service;
  }

  async #handle(payment: AcceptedPayment, attempt: number): Promise<void> {
    if (payment.acceptedAt < this.#purgedAt) return;
    // Delivered before: a dispatcher may have sent it somewhere and died before recording it.
    const sentTo = attempt > 1 ? await this.options.journal?.lastSentTo(payment.correlationId) : undefined;
    const settled = this.#dispatcher.submit(payment, sentTo);
    // The queue is sized to the prefetch, so this only happens if a redelivery overlaps: let the bus retry it.
    if (!settled) throw new Error('the dispatcher queue is full');
    await settled;
  }

  /** A payment accepted in this process: no queue in between (and so nothing survives this process's crash). */
  offer(payment: AcceptedPayment): boolean {
    return this.#dispatcher.submit(payment) !== undefined;
  }

  get size(): number {
    return this.#dispatcher.pending;
  }

  flush(timeoutMs: number): Promise<boolean> {
    return this.#dispatcher.drain(timeoutMs);
  }

  stats(): Record<string, unknown> {
    return { dispatcher: this.options.instanceId, ...this.#dispatcher.stats() };
  }

  /** Stops taking payments, then gives those in hand up to `graceMs` to reach a processor and the ledger. */
  async close(graceMs = 5_000): Promise<void> {
    for (const s of this.#subscriptions.splice(0)) await s.cancel();
    await this.#poller.stop();
    const drained = await this.#dispatcher.drain(graceMs);
    if (!drained) this.options.log.warn('stopped with payments in hand; they go back to the queue', this.#dispatcher.stats() as unknown as Record<string, unknown>);
    this.#dispatcher.close();
    for (const name of PROCESSORS) this.#clients[name].close();
  }
}
