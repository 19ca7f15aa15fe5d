import { EventEmitter } from 'node:events';
import * as amqp from 'amqplib';
import { Redis } from 'ioredis';
import { type BenchPattern, type BusBenchOptions, Arrivals, benchSettings, benchUrl, runBusBench, runLoad, transportName } from './bench.ts';
import type { LoadResult, Task } from '../loadgen/index.ts';
import { DEFAULT_MAX_QUEUE_LENGTH } from './transport.ts';
import { type BusScripts, scripts } from './transports/redis/scripts.ts';
import { watchHostSteal } from '../observe/host-steal.ts';

/** The patterns a baseline exists for: the ones with a delivery guarantee worth pricing. */
export const BASELINE_PATTERNS: readonly BenchPattern[] = ['queue', 'rpc'];

/**
 * The floor under runBusBench: the same pattern, body, prefetch, timeout and load, done with the engine's own
 * client written as plainly as possible and doing the work the Bus guarantees, so that the ratio between the
 * two is what the Bus costs. What each one does (the Bus does the same plus its envelope):
 * - memory: a bounded array queue with at most `prefetch` deliveries unacked, each held in a Set until acked
 *   after handling; each message JSON-encoded, handed over in a microtask (as the memory transport does),
 *   decoded on the other side; rpc replies by correlation id through an EventEmitter, acked once handed over.
 * - redis (ioredis): queue = XADD of a `body` field to a stream, bounded as the Bus bounds it (XLEN checked
 *   in the same script), XREADGROUP on a connection of its own, then XACK and XDEL in one pipeline after
 *   handling; rpc = the same with reply_to and correlation_id fields, the reply PUBLISHed to the caller's
 *   channel before the ack.
 * - amqp (amqplib): a durable queue with the same arguments, queue messages persistent and confirmed,
 *   consumed with basic.qos(prefetch) and acked after handling; rpc = requests transient, confirmed and sent
 *   with direct reply-to and a correlation id, replies confirmed before the request is acked.
 */
export async function runBaselineBench(options: BusBenchOptions): Promise<LoadResult> {
  if (!BASELINE_PATTERNS.includes(options.pattern)) throw new RangeError(`the baseline covers ${BASELINE_PATTERNS.join(' and ')}, not ${options.pattern}`);
  const url = benchUrl(options.url);
  const settings = benchSettings(options);
  const arrivals = new Arrivals(settings.timeoutMs);
  const open = { memory: bareMemory, redis: bareRedis, amqp: bareAmqp }[transportName(url) as 'memory' | 'redis' | 'amqp'];
  if (!open) throw new RangeError(`no baseline for ${url}: use memory://, redis:// or amqp://`);
  const side = await open(new URL(url), options.pattern, { ...settings, arrivals });
  try {
    return await runLoad(options, `${options.pattern} on ${transportName(url)}, bare client`, side.task);
  } finally {
    arrivals.close();
    await side.close();
  }
}

export interface Measured {
  result: LoadResult;
  /** CPU seconds the host stole from this machine during the run; undefined off Linux. */
  stealSeconds: number | undefined;
}

export interface BaselinePair {
  kit: Measured;
  bare: Measured;
}

/**
 * `pairs` pairs of runs, the Bus and the bare client, alternating which goes first (ABBA), so that a drift in
 * the machine's load over the runs falls on both alike.
 */
export async function runBaselinePairs(options: BusBenchOptions, pairs: number, onPair?: (pair: BaselinePair) => void): Promise<BaselinePair[]> {
  const measured = async (run: () => Promise<LoadResult>): Promise<Measured> => {
    const steal = watchHostSteal();
    const result = await run();
    return { result, stealSeconds: steal.stop() };
  };
  const done: BaselinePair[] = [];
  for (let i = 0; i < pairs; i++) {
    const kitFirst = i % 2 === 0;
    const first = await measured(() => (kitFirst ? runBusBench(options) : runBaselineBench(options)));
    const second = await measured(() => (kitFirst ? runBaselineBench(options) : runBusBench(options)));
    const pair = kitFirst ? { kit: first, bare: second } : { kit: second, bare: first };
    done.push(pair);
    onPair?.(pair);
  }
  return done;
}

/** The Bus against its floor: medians over the pairs of each pair's kit / bare ratio. */
export function baselineRatios(pairs: BaselinePair[]): { throughput: number; p99: number } {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  return {
    throughput: median(pairs.map(({ kit, bare }) => kit.result.rps / bare.result.rps)),
    p99: median(pairs.map(({ kit, bare }) => kit.result.p99 / bare.result.p99)),
  };
}

interface Setup {
  prefetch: number;
  pad: string;
  target: string;
  arrivals: Arrivals;
}

interface BareSide {
  task: Task;
  close(): Promise<void>;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value));
const decode = (bytes: Buffer | string) => JSON.parse(bytes.toString()) as { id: number };

/**
 * The least an in-process queue must do for what the memory transport guarantees: a bounded queue that a
 * send joins (or is refused by), at most `prefetch` deliveries unacked at once, each held until its ack so it
 * could be handed out again, handed over in a microtask.
 */
class BareQueue<T> {
  readonly #items: T[] = [];
  #head = 0;
  readonly #unacked = new Set<T>();
  #scheduled = false;

  constructor(
    private readonly maxLength: number,
    private readonly prefetch: number,
    private readonly deliver: (item: T, ack: () => void) => void,
  ) {}

  push(item: T): void {
    if (this.#items.length - this.#head >= this.maxLength) throw new Error('queue full');
    this.#items.push(item);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      while (this.#head < this.#items.length && this.#unacked.size < this.prefetch) {
        const item = this.#items[this.#head++]!;
        if (this.#head === this.#items.length) this.#items.length = this.#head = 0;
        this.#unacked.add(item);
        this.deliver(item, () => {
          if (this.#unacked.delete(item)) this.#schedule();
        });
      }
    });
  }
}

async function bareMemory(_url: URL, pattern: BenchPattern, { prefetch, pad, arrivals }: Setup): Promise<BareSide> {
  const replies = new EventEmitter();
  let send: (id: number, body: Buffer) => void;
  if (pattern === 'queue') {
    const queue = new BareQueue<Buffer>(DEFAULT_MAX_QUEUE_LENGTH, prefetch, (bytes, ack) => {
      arrivals.arrived(decode(bytes).id);
      ack();
    });
    send = (_id, body) => queue.push(body);
  } else {
    const queue = new BareQueue<{ correlationId: number; body: Buffer }>(DEFAULT_MAX_QUEUE_LENGTH, prefetch, (request, ack) => {
      const reply = encode(decode(request.body));
      queueMicrotask(() => replies.emit('reply', request.correlationId, reply));
      ack();
    });
    replies.on('reply', (correlationId: number, body: Buffer) => {
      decode(body);
      arrivals.arrived(correlationId);
    });
    send = (correlationId, body) => queue.push({ correlationId, body });
  }
  let next = 0;
  const task: Task = () => {
    const id = next++;
    return arrivals.await(id, async () => send(id, encode({ id, pad })));
  };
  return { task, close: async () => void replies.removeAllListeners() };
}

async function bareRedis(url: URL, pattern: BenchPattern, { prefetch, pad, target, arrivals }: Setup): Promise<BareSide> {
  const options = { protocol: 2 } as const;
  // A plain XADD has no bound (MAXLEN trims, dropping the oldest), so a bounded send is a script, the Bus's own.
  const sender = new Redis(url.href, { ...options, scripts: { busSend: scripts.busSend } }) as Redis & Pick<BusScripts, 'busSend'>;
  const receiver = new Redis(url.href, options);
  const reader = new Redis(url.href, options);
  const replies = pattern === 'rpc' ? new Redis(url.href, options) : undefined;
  const channel = `${target}.reply`;
  await receiver.xgroup('CREATE', target, 'bench', '0', 'MKSTREAM');
  if (replies) {
    await replies.subscribe(channel);
    replies.on('message', (_channel: string, message: string) => arrivals.arrived((JSON.parse(message) as { correlation_id: number }).correlation_id));
  }
  const ack = (id: string) => receiver.pipeline().xack(target, 'bench', id).xdel(target, id).exec();
  const handle = (id: string, fields: string[]) => {
    const field = (name: string) => fields[fields.indexOf(name) + 1]!;
    if (pattern === 'queue') {
      arrivals.arrived(decode(field('body')).id);
      void ack(id);
      return;
    }
    const reply = JSON.stringify({ correlation_id: Number(field('correlation_id')), body: decode(field('body')) });
    void receiver.publish(field('reply_to'), reply).then(() => ack(id));
  };
  let reading = true;
  const loop = (async () => {
    while (reading) {
      const streams = (await reader.xreadgroup('GROUP', 'bench', 'bare', 'COUNT', prefetch, 'BLOCK', 200, 'STREAMS', target, '>').catch(() => null)) as
        | [string, [string, string[]][]][]
        | null;
      for (const [id, fields] of streams?.[0]?.[1] ?? []) handle(id, fields);
    }
  })();
  let next = 0;
  const task: Task = () => {
    const id = next++;
    const body = JSON.stringify({ id, pad });
    return arrivals.await(id, async () => {
      const entry =
        pattern === 'queue'
          ? await sender.busSend(target, DEFAULT_MAX_QUEUE_LENGTH, 'body', body)
          : await sender.busSend(target, DEFAULT_MAX_QUEUE_LENGTH, 'body', body, 'reply_to', channel, 'correlation_id', String(id));
      if (entry === null) throw new Error('queue full');
    });
  };
  return {
    task,
    async close() {
      reading = false;
      await loop;
      await receiver.del(target);
      for (const connection of [sender, receiver, reader, replies]) connection?.disconnect();
    },
  };
}

const REPLY_TO = 'amq.rabbitmq.reply-to';

async function bareAmqp(url: URL, pattern: BenchPattern, { prefetch, pad, target, arrivals }: Setup): Promise<BareSide> {
  const sending = await amqp.connect(url.href);
  const receiving = await amqp.connect(url.href);
  const out = await sending.createConfirmChannel();
  await out.assertQueue(target, { durable: true, arguments: { 'x-max-length': 1_000_000, 'x-overflow': 'reject-publish', 'x-queue-version': 2 } });
  const confirmed = (channel: amqp.ConfirmChannel, queue: string, body: Buffer, options: amqp.Options.Publish) =>
    new Promise<void>((resolve, reject) => channel.sendToQueue(queue, body, options, (err) => (err ? reject(new Error('nacked')) : resolve())));

  const consuming = await receiving.createChannel();
  await consuming.prefetch(prefetch);
  if (pattern === 'queue') {
    await consuming.consume(target, (message) => {
      if (!message) return;
      arrivals.arrived(decode(message.content).id);
      consuming.ack(message);
    });
  } else {
    const replying = await receiving.createConfirmChannel();
    await consuming.consume(target, (message) => {
      if (!message) return;
      const reply = encode(decode(message.content));
      void confirmed(replying, message.properties.replyTo as string, reply, { correlationId: message.properties.correlationId as string }).then(() => consuming.ack(message));
    });
    await out.consume(REPLY_TO, (message) => message && arrivals.arrived(Number(message.properties.correlationId)), { noAck: true });
  }
  let next = 0;
  const task: Task = () => {
    const id = next++;
    const body = encode({ id, pad });
    return arrivals.await(id, () =>
      pattern === 'queue'
        ? confirmed(out, target, body, { persistent: true, mandatory: true })
        : confirmed(out, target, body, { persistent: false, mandatory: true, replyTo: REPLY_TO, correlationId: String(id) }),
    );
  };
  return {
    task,
    async close() {
      await out.deleteQueue(target).catch(() => {});
      await Promise.allSettled([sending.close(), receiving.close()]);
    },
  };
}
