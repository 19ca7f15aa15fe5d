import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus } from '../../../kit/bus/bus.ts';
import type { Subscription } from '../../../kit/bus/transport.ts';
import type { Message } from '../../../kit/bus/message.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { parseSalesRequest, InvalidSalesRequestError } from '../domain/parse-sales-request.ts';
import { HEARTBEAT_TOPIC, type Heartbeat, MAX_REQUEST_BYTES, WORKER_ID_PATTERN } from '../domain/protocol.ts';
import type { SalesResponse } from '../domain/sales-query.ts';
import { CompletionReporter } from './completion-reporter.ts';
import type { QueryExecutor } from './query-executor.ts';

export interface SalesWorkerOptions {
  bus: Bus;
  /** Also the name of the queue it consumes, and `region_processed` in its replies, as in the seed. */
  id: string;
  executor: QueryExecutor;
  log: Logger;
  prefetch?: number;
  heartbeatMs?: number;
  /** Test only: sleep this long before each query, to make one worker slower than the others. */
  delayMs?: number;
}

/** Answers sales queries from its own queue straight to each caller's replyTo, and reports to the balancer. */
export class SalesWorker {
  readonly id: string;
  readonly #options: SalesWorkerOptions;
  readonly #completions: CompletionReporter;
  #subscription: Subscription | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #served = 0;

  constructor(options: SalesWorkerOptions) {
    if (!WORKER_ID_PATTERN.test(options.id)) {
      throw new RangeError(`worker id "${options.id}" must be 1–64 letters, digits, dots, dashes or underscores, as in mom-worker-1`);
    }
    this.id = options.id;
    this.#options = options;
    this.#completions = new CompletionReporter(options.bus, options.id, options.log);
  }

  get served(): number {
    return this.#served;
  }

  async start(): Promise<void> {
    const { bus, prefetch = 10, heartbeatMs = 500 } = this.#options;
    this.#subscription = await bus.respond(this.id, (_body, message) => this.#answer(message), {
      prefetch,
      onAnswered: (request) => this.#completions.add(request.id),
    });
    await this.#beat();
    this.#heartbeat = setInterval(() => void this.#beat(), heartbeatMs);
  }

  /** Stops taking requests, lets running ones finish, and tells the balancer to send its queue elsewhere. */
  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#subscription?.cancel();
    while (this.#inFlight > 0) await sleep(5);
    await this.#completions.flush();
    await this.#beat(true);
  }

  async #answer(message: Message<unknown>): Promise<SalesResponse> {
    this.#inFlight++;
    try {
      if (message.envelope.body.byteLength > MAX_REQUEST_BYTES) {
        throw new InvalidSalesRequestError(`the request is ${message.envelope.body.byteLength} bytes; a query must fit in ${MAX_REQUEST_BYTES}`);
      }
      const query = parseSalesRequest(message.body);
      if (this.#options.delayMs) await sleep(this.#options.delayMs);
      const { count, revenue } = await this.#options.executor.run(query);
      this.#served++;
      return { total_sales_count: count, total_revenue: revenue, average_amount: count === 0 ? 0 : revenue / count, region_processed: this.id };
    } finally {
      this.#inFlight--;
    }
  }

  async #beat(leaving = false): Promise<void> {
    const heartbeat: Heartbeat = { worker: this.id, inFlight: this.#inFlight, ...(leaving ? { leaving } : {}) };
    try {
      await this.#options.bus.publish(HEARTBEAT_TOPIC, heartbeat);
    } catch (err) {
      this.#options.log.warn('could not send a heartbeat', { err });
    }
  }
}
