import { Bus, type BusOptions } from './bus.ts';
import type { Transport, TransportFactory, TransportOptions } from './transport.ts';

/** Transports resolved from a URL's scheme, in the manner of Moleculer's transporter registry. */
const loaders = new Map<string, () => Promise<TransportFactory>>([
  ['memory:', async () => (await import('./transports/memory/index.ts')).createMemoryTransport],
  ['redis:', async () => (await import('./transports/redis/index.ts')).createRedisTransport],
  ['rediss:', async () => (await import('./transports/redis/index.ts')).createRedisTransport],
  ['redis+unix:', async () => (await import('./transports/redis/index.ts')).createRedisTransport],
  ['amqp:', async () => (await import('./transports/amqp/index.ts')).createAmqpTransport],
  ['amqps:', async () => (await import('./transports/amqp/index.ts')).createAmqpTransport],
]);

export function registerTransport(scheme: string, load: () => Promise<TransportFactory>): void {
  loaders.set(scheme.endsWith(':') ? scheme : `${scheme}:`, load);
}

export const DEFAULT_BUS_URL = 'memory://';

export async function createTransport(url: string, options: TransportOptions = {}): Promise<Transport> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a bus URL: use memory://, redis://host:6379 or amqp://user:pass@host:5672`);
  }
  const load = loaders.get(parsed.protocol);
  if (!load) {
    const known = [...loaders.keys()].map((scheme) => `${scheme}//`).join(', ');
    throw new Error(`no transport for "${parsed.protocol}//": known ones are ${known}`);
  }
  return (await load())(parsed, options);
}

export type CreateBusOptions = BusOptions & TransportOptions;

/** A Bus on the transport the URL names; by default MENSAGEIRO_BUS_URL, else the in-process one. */
export async function createBus(url?: string, options: CreateBusOptions = {}): Promise<Bus> {
  const target = url ?? process.env.MENSAGEIRO_BUS_URL ?? DEFAULT_BUS_URL;
  return new Bus(await createTransport(target, options), options);
}
