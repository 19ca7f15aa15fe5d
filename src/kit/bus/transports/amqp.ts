import type { Transport, TransportOptions } from '../transport.ts';

export async function createAmqpTransport(_url: URL, _options: TransportOptions): Promise<Transport> {
  throw new Error('the amqp transport is being written');
}
