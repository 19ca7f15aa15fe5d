import type { Bus } from '../../../kit/bus/bus.ts';
import type { Message } from '../../../kit/bus/message.ts';
import type { Subscription } from '../../../kit/bus/transport.ts';
import { HeartbeatMonitor } from '../../../kit/balance/heartbeat-monitor.ts';
import { LeastOutstanding, type MemberStats } from '../../../kit/balance/least-outstanding.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { COMPLETED_TOPIC, type Completed, HEARTBEAT_TOPIC, type Heartbeat, MAX_REQUEST_BYTES, SALES_REQUESTS_QUEUE, WORKER_ID_PATTERN } from '../domain/protocol.ts';

export interface SalesBalancerOptions {
  bus: Bus;
  workers: readonly string[];
  log: Logger;
  /** Requests taken off sales_requests at once; the seed used 100. */
  prefetch?: number;
  /** A worker silent this long is excluded; with the check interval, within 2 s. */
  heartbeatTimeoutMs?: number;
  checkEveryMs?: number;
  /** A request whose completion was never reported stops counting against its worker after this long. */
  forgetAfterMs?: number;
  /**
   * A worker with this many requests outstanding gets no more until it reports some done: the bound on its queue
   * when the broker keeps none (queues declared the seed's way). Unset, the broker's bound applies.
   */
  maxOutstandingPerWorker?: number;
}

/**
 * mom-lb: takes each request off sales_requests and forwards it, unchanged, to the worker queue with the
 * fewest outstanding requests. It never sees the reply: the worker answers the caller's replyTo itself.
 */
export class SalesBalancer {
  readonly #options: SalesBalancerOptions;
  readonly #lor: LeastOutstanding<string>;
  readonly #monitor: HeartbeatMonitor<string>;
  readonly #subscriptions: Subscription[] = [];
  readonly #draining = new Set<string>();
  /** Requests held until a worker is up, or has room. */
  #waiters: Array<() => void> = [];
  #housekeeping: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: SalesBalancerOptions) {
    for (const worker of options.workers) {
      if (!WORKER_ID_PATTERN.test(worker)) throw new RangeError(`worker "${worker}" is not a valid queue name; use names like mom-worker-1`);
    }
    this.#options = options;
    this.#lor = new LeastOutstanding(options.workers);
    this.#monitor = new HeartbeatMonitor(options.workers, {
      timeoutMs: options.heartbeatTimeoutMs ?? 1_500,
      checkEveryMs: options.checkEveryMs ?? 250,
      onUp: (worker) => this.#workerUp(worker),
      onDown: (worker) => this.#workerDown(worker),
    });
  }

  stats(): MemberStats<string>[] {
    return this.#lor.stats();
  }

  async start(): Promise<void> {
    const { bus } = this.#options;
    this.#subscriptions.push(
      await bus.subscribe<Heartbeat>(HEARTBEAT_TOPIC, (message) => this.#onHeartbeat(message.body)),
      await bus.subscribe<Completed>(COMPLETED_TOPIC, (message) => this.#onCompleted(message.body)),
    );
    this.#subscriptions.push(
      await bus.consume(SALES_REQUESTS_QUEUE, (message) => this.#route(message), {
        prefetch: this.#options.prefetch ?? 100,
        maxAttempts: 10,
        retryDelayMs: 100,
      }),
    );
    this.#housekeeping = setInterval(() => this.#tidy(), this.#options.checkEveryMs ?? 250);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#housekeeping);
    this.#monitor.stop();
    this.#wakeWaiters();
    await Promise.allSettled(this.#subscriptions.map((sub) => sub.cancel()));
  }

  async #route(message: Message<unknown>): Promise<void> {
    const { bus } = this.#options;
    const request = message.envelope;
    if (request.body.byteLength > MAX_REQUEST_BYTES) {
      await bus.rejectRequest(request, new RangeError(`the request is ${request.body.byteLength} bytes; a query must fit in ${MAX_REQUEST_BYTES}`));
      return;
    }
    for (;;) {
      const worker = this.#pickWithRoom();
      if (worker === undefined) {
        // No worker alive, or none with room: hold the request (prefetch bounds how many) until there is one.
        if (this.#stopped) throw new Error('the balancer is stopping; the request goes back to sales_requests');
        await new Promise<void>((wake) => this.#waiters.push(wake));
        continue;
      }
      this.#lor.assign(request.id, worker);
      try {
        await bus.forward(worker, request);
        return;
      } catch (err) {
        this.#lor.complete(request.id);
        throw err;
      }
    }
  }

  #onHeartbeat(heartbeat: Heartbeat): void {
    if (typeof heartbeat?.worker !== 'string') return;
    if (heartbeat.leaving) this.#monitor.down(heartbeat.worker);
    else if (!this.#monitor.beat(heartbeat.worker)) this.#options.log.debug('heartbeat from a worker not in --workers', { worker: heartbeat.worker });
  }

  /** The healthy worker with the fewest outstanding requests, unless even it is at its bound. */
  #pickWithRoom(): string | undefined {
    const worker = this.#lor.pick();
    const max = this.#options.maxOutstandingPerWorker;
    return worker !== undefined && max !== undefined && this.#lor.pending(worker) >= max ? undefined : worker;
  }

  #wakeWaiters(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #onCompleted(report: Completed): void {
    if (!Array.isArray(report?.ids)) return;
    for (const id of report.ids) if (typeof id === 'string') this.#lor.complete(id);
    this.#wakeWaiters();
  }

  #workerUp(worker: string): void {
    this.#lor.setHealthy(worker, true);
    this.#options.log.info('worker is up', { worker });
    this.#wakeWaiters();
  }

  #workerDown(worker: string): void {
    this.#lor.setHealthy(worker, false);
    const held = this.#lor.forget(worker);
    this.#options.log.warn('worker is down; re-routing its queue', { worker, held });
    void this.#drain(worker);
  }

  /** Moves what waits in a down worker's queue to healthy workers, one message at a time, until it is empty. */
  async #drain(worker: string): Promise<void> {
    if (this.#draining.has(worker) || this.#stopped) return;
    this.#draining.add(worker);
    const { bus } = this.#options;
    let moved = 0;
    try {
      while (!this.#monitor.isUp(worker) && !bus.closed) {
        const target = this.#pickWithRoom();
        if (target === undefined) break;
        const delivery = await bus.transport.get(worker);
        if (!delivery) break;
        this.#lor.assign(delivery.envelope.id, target);
        await bus.forward(target, delivery.envelope);
        await delivery.ack();
        moved++;
      }
    } catch (err) {
      this.#options.log.warn('re-routing stopped; it resumes on the next check', { worker, moved, err });
    } finally {
      this.#draining.delete(worker);
      if (moved > 0) this.#options.log.info('re-routed requests from a down worker', { worker, moved });
    }
  }

  #tidy(): void {
    // A dead worker's unacked messages return to its queue when the engine notices the dead connection, which
    // can be after the worker was marked down: keep sweeping down workers' queues.
    for (const worker of this.#lor.members) if (!this.#monitor.isUp(worker)) void this.#drain(worker);
    const expired = this.#lor.expire(this.#options.forgetAfterMs ?? 30_000);
    if (expired > 0) {
      this.#options.log.warn('forgot requests whose completion never came', { expired });
      this.#wakeWaiters();
    }
  }
}
