import type { Transport, TransportOptions } from '../transport.ts';

export async function createRedisTransport(_url: URL, _options: TransportOptions): Promise<Transport> {
  throw new Error('the redis transport is being written');
}
