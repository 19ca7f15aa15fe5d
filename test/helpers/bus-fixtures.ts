import { randomUUID } from 'node:crypto';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { type CreateBusOptions, createBus } from '../../src/kit/bus/registry.ts';
import { engine } from './engines.ts';
import { TcpProxy } from './tcp-proxy.ts';

/** One transport under test: makes buses on it (each its own connection) and cleans up after a test. */
export class BusFixture {
  readonly #buses: Bus[] = [];
  readonly #queues = new Set<string>();
  readonly #proxies: TcpProxy[] = [];

  constructor(
    readonly name: string,
    readonly url: string | undefined,
    readonly skip: string | undefined,
    readonly options: CreateBusOptions = {},
  ) {}

  /** A network connection that a test can cut; the memory transport has none. */
  get hasConnection(): boolean {
    return this.name !== 'memory';
  }

  async bus(options: CreateBusOptions = {}): Promise<Bus> {
    const bus = await createBus(this.url, { ...this.options, ...options });
    this.#buses.push(bus);
    return bus;
  }

  /** A bus whose connections run through a proxy the test can drop. */
  async busBehindProxy(options: CreateBusOptions = {}): Promise<{ bus: Bus; proxy: TcpProxy }> {
    const target = new URL(this.url!);
    const proxy = await new TcpProxy(target.hostname, Number(target.port)).start();
    this.#proxies.push(proxy);
    const bus = await createBus(proxy.urlFor(this.url!), { ...this.options, ...options });
    this.#buses.push(bus);
    return { bus, proxy };
  }

  /** A queue name unique to this test run, deleted in cleanup(). */
  queue(label: string): string {
    const name = `test.${label}.${randomUUID().slice(0, 8)}`;
    this.#queues.add(name);
    return name;
  }

  async cleanup(): Promise<void> {
    const admin = await createBus(this.url, this.options);
    for (const queue of this.#queues) await admin.deleteQueue(queue).catch(() => {});
    await admin.close();
    await Promise.allSettled(this.#buses.splice(0).map((bus) => bus.close({ graceMs: 0 })));
    await Promise.allSettled(this.#proxies.splice(0).map((proxy) => proxy.stop()));
    this.#queues.clear();
  }
}

/** The three transports; the conformance suite runs unchanged against each. */
export function transportFixtures(): BusFixture[] {
  const redis = engine('redis');
  const amqp = engine('amqp');
  return [
    new BusFixture('memory', `memory://conformance-${process.pid}`, undefined),
    new BusFixture('redis', redis.url, redis.skip, { claimIdleMs: 500 }),
    new BusFixture('amqp', amqp.url, amqp.skip),
  ];
}
