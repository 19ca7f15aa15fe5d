import type { Summary, TimeRange } from '../domain/summary.ts';
import type { SeenIds } from '../store/seen-ids.ts';
import { DispatcherService, type DispatcherServiceOptions } from './dispatcher-service.ts';
import { AcceptedOutbox } from './accepted-outbox.ts';
import type { PaymentHandoff } from './payment-handoff.ts';
import { PaymentsApi } from './payments-api.ts';

export interface PaymentsInstanceOptions extends DispatcherServiceOptions {
  /** Run a dispatcher in this process too (one instance on its own), or leave the queue to a separate one. */
  dispatch: boolean;
  /** Where accepted payments go instead (a dispatcher thread); overrides `dispatch`. */
  handoff?: PaymentHandoff;
  /** The ids the deployment accepted; this process's own when not given. */
  seen?: SeenIds;
}

/** What the HTTP layer serves. */
export interface PaymentsService {
  /** Undefined when accepted at once, else a promise of the verdict; a refusal is the PaymentRejection the client gets, thrown or rejected. */
  accept(body: string): Promise<void> | undefined;
  summary(range: TimeRange): Promise<Summary>;
  purge(): Promise<void>;
  stats(): Record<string, unknown>;
}

/**
 * One backend process: the API, and a dispatcher beside it when asked for. With a dispatcher here, payments go
 * straight to it (fewest system calls per payment: the contest setting); without, they go through the shared
 * queue to a separate dispatcher, where they survive this process's crash.
 */
export class PaymentsInstance implements PaymentsService {
  private constructor(
    readonly api: PaymentsApi,
    readonly dispatcher: DispatcherService | undefined,
  ) {}

  static async start(options: PaymentsInstanceOptions): Promise<PaymentsInstance> {
    const dispatcher = options.dispatch && !options.handoff ? await DispatcherService.start({ ...options, consumeQueue: false }) : undefined;
    const api = await PaymentsApi.start({ ...options, handoff: options.handoff ?? dispatcher ?? new AcceptedOutbox(options.bus, options.log) });
    return new PaymentsInstance(api, dispatcher);
  }

  accept(body: string): Promise<void> | undefined {
    return this.api.accept(body);
  }

  summary(range: TimeRange): Promise<Summary> {
    return this.api.summary(range);
  }

  purge(): Promise<void> {
    return this.api.purge();
  }

  stats(): Record<string, unknown> {
    return { ...this.api.stats(), ...this.dispatcher?.stats() };
  }

  async close(graceMs = 5_000): Promise<void> {
    await this.api.close(graceMs);
    await this.dispatcher?.close(graceMs);
  }
}
