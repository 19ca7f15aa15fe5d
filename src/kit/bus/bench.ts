import { randomUUID } from 'node:crypto';
import type { Bus } from './bus.ts';
import { OrderedIndex } from './ordered-index.ts';
import { createBus } from './registry.ts';
import type { Subscription } from './transport.ts';
import { type LoadResult, type Task, TimeoutError, runClosed, runOpen } from '../loadgen/index.ts';

export type BenchPattern = 'topic' | 'queue' | 'rpc';
export const BENCH_PATTERNS: readonly BenchPattern[] = ['topic', 'queue', 'rpc'];

export interface BusBenchOptions {
  url: string;
  pattern: BenchPattern;
  durationMs: number;
  /** Open model at this many requests per second. Without it: the closed model, `concurrency` VUs flat out. */
  rate?: number;
  /** VUs of the closed model. Default 64. */
  concurrency?: number;
  /** About this many bytes of JSON body per message. Default 128. */
  size?: number;
  /** A request, or a message not received, after this long fails. Default 5 s. */
  timeoutMs?: number;
  /** Deliveries in flight per consumer. Default 1000, so the consumer is never what limits the rate. */
  prefetch?: number;
  /** Open model: requests beyond this many in flight fail as dropped. */
  maxInFlight?: number;
  /** The live progress line; by default on when stderr is a TTY. */
  progress?: boolean;
  /**
   * Runs the pattern flat out this long first, unmeasured, so the JIT and the connections are warm:
   * without it the first second of an in-process bench is several times slower than the rest.
   */
  warmupMs?: number;
  /** Opens each of the two buses; createBus by default. */
  connect?: (url: string) => Promise<Bus>;
}

interface BenchBody {
  id: number;
  pad: string;
}

/**
 * Measures one bus pattern end to end with two buses on the same engine, one on each side:
 * - rpc: a request to an echo responder, until its reply arrives;
 * - queue: a send (which resolves on the engine's acceptance, e.g. a publisher confirm) until the consumer
 *   receives the message;
 * - topic: a publish until the subscriber receives it.
 * For queue and topic the receiving side completes the task: it looks the message's id up among the
 * tasks waiting for it. The bench's queue is deleted at the end.
 */
export async function runBusBench(options: BusBenchOptions): Promise<LoadResult> {
  if (!BENCH_PATTERNS.includes(options.pattern)) throw new RangeError(`unknown pattern "${String(options.pattern)}": use ${BENCH_PATTERNS.join(', ')}`);
  const url = benchUrl(options.url);
  const { timeoutMs, prefetch, pad, target } = benchSettings(options);
  const name = `${options.pattern} on ${transportName(url)}`;

  const connect = options.connect ?? ((busUrl: string) => createBus(busUrl));
  const receiver = await connect(url);
  let sender: Bus | undefined;
  const arrivals = new Arrivals(timeoutMs);
  let subscription: Subscription | undefined;
  try {
    sender = await connect(url);
    const client = sender;
    let next = 0;
    let task: Task;
    switch (options.pattern) {
      case 'rpc':
        subscription = await receiver.respond<BenchBody>(target, (body) => body, { prefetch });
        task = () => client.request(target, { id: next++, pad }, { timeoutMs });
        break;
      case 'queue':
        subscription = await receiver.consume<BenchBody>(target, (msg) => arrivals.arrived(msg.body.id), { prefetch, maxAttempts: 1 });
        task = () => {
          const id = next++;
          return arrivals.await(id, () => client.send(target, { id, pad }));
        };
        break;
      case 'topic':
        subscription = await receiver.subscribe<BenchBody>(target, (msg) => arrivals.arrived(msg.body.id));
        task = () => {
          const id = next++;
          return arrivals.await(id, () => client.publish(target, { id, pad }));
        };
        break;
    }
    return await runLoad(options, name, task);
  } finally {
    arrivals.close();
    await subscription?.cancel().catch(() => {});
    if (options.pattern !== 'topic') await receiver.deleteQueue(target).catch(() => {});
    await Promise.allSettled([receiver.close({ graceMs: 0 }), sender?.close({ graceMs: 0 })]);
  }
}

/** memory:// with no name gets its own broker, shared by the bench's two buses and nothing else. */
export function benchUrl(url: string): string {
  return /^memory:\/\/\/?$/.test(url) ? 'memory://bench' : url;
}

export function transportName(url: string): string {
  return new URL(url).protocol.replace(/:$/, '');
}

/** What both sides of a comparison share: the same timeout, prefetch and body, and a queue of their own. */
export function benchSettings(options: BusBenchOptions): { timeoutMs: number; prefetch: number; pad: string; target: string } {
  return {
    timeoutMs: options.timeoutMs ?? 5_000,
    prefetch: options.prefetch ?? 1_000,
    pad: 'x'.repeat(Math.max(0, (options.size ?? 128) - 24)),
    target: `bench.${options.pattern}.${randomUUID().slice(0, 8)}`,
  };
}

/** The warm-up, then the measured run, in the load model the options choose. */
export async function runLoad(options: BusBenchOptions, name: string, task: Task): Promise<LoadResult> {
  const gracefulStopMs = (options.timeoutMs ?? 5_000) + 1_000;
  if (options.warmupMs && options.warmupMs > 0) {
    await runClosed({ name: `${name} (warm-up)`, vus: options.concurrency ?? 64, durationMs: options.warmupMs, task, progress: options.progress, gracefulStopMs });
  }
  const common = { name, durationMs: options.durationMs, task, progress: options.progress, gracefulStopMs };
  return options.rate !== undefined
    ? await runOpen({ ...common, rate: options.rate, maxInFlight: options.maxInFlight })
    : await runClosed({ ...common, vus: options.concurrency ?? 64 });
}

interface Waiter {
  deadline: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Tasks waiting for their message to come out the other side, by id. Waiters are added in id order, so a
 * sweep for the timed-out ones stops at the first still-young one: one timer per bench, not per message.
 * An OrderedIndex, not a Map, for the GC reason given there.
 */
export class Arrivals {
  readonly #waiting = new OrderedIndex<Waiter>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(100, timeoutMs));
  }

  /** Sends, then resolves once `id` arrives; rejects if the send fails or the message is late. */
  await(id: number, send: () => Promise<void>): Promise<unknown> {
    // Registered before sending: an in-process transport may deliver before send() even resolves.
    const arrived = new Promise<void>((resolve, reject) => {
      this.#waiting.add(String(id), { deadline: performance.now() + this.timeoutMs, resolve, reject });
    });
    return Promise.all([
      send().catch((err: unknown) => {
        this.#waiting.take(String(id));
        throw err;
      }),
      arrived,
    ]);
  }

  arrived(id: number): void {
    this.#waiting.take(String(id))?.resolve(); // nothing when late, after its timeout
  }

  #sweep(): void {
    const now = performance.now();
    for (const [id, waiter] of this.#waiting.entries()) {
      if (waiter.deadline > now) break;
      this.#waiting.take(id);
      waiter.reject(new TimeoutError(this.timeoutMs));
    }
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#waiting.clear();
  }
}
