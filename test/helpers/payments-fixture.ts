import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBus } from '../../src/kit/bus/registry.ts';
import { createLogger } from '../../src/kit/observe/log.ts';
import { LocalLease } from '../../src/kit/store/lease.ts';
import { type ProcessorEmulator, startProcessorEmulator } from '../../src/systems/payments/emulator/processor-emulator.ts';
import { PaymentsInstance } from '../../src/systems/payments/roles/payments-instance.ts';
import { MemoryLedger } from '../../src/systems/payments/store/memory-ledger.ts';
import { closeServer, startPaymentsServer } from '../../src/systems/payments/web/payments-server.ts';

export const TOKEN = '123';

export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test replies are checked field by field
  json: () => any;
}

export async function http(method: string, url: string, body?: string, headers: Record<string, string> = {}, timeoutMs?: number): Promise<HttpReply> {
  const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const res = await fetch(url, { method, body, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers }, signal });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: text, json: () => JSON.parse(text) };
}

export function paymentBody(amount = 19.9, id: string = randomUUID()): string {
  return JSON.stringify({ correlationId: id, amount });
}

export async function configure(processor: ProcessorEmulator, setting: { delay?: number; failure?: boolean }): Promise<void> {
  if (setting.delay !== undefined) await http('PUT', `${processor.url}/admin/configurations/delay`, JSON.stringify({ delay: setting.delay }), { 'x-rinha-token': TOKEN });
  if (setting.failure !== undefined) await http('PUT', `${processor.url}/admin/configurations/failure`, JSON.stringify({ failure: setting.failure }), { 'x-rinha-token': TOKEN });
}

/** Two emulators and one backend on the memory store, serving the contract on an ephemeral port. */
export async function startPaymentsFixture(options: { healthIntervalMs?: number; maxLatencyMs?: number; defaultLimits?: { maxActive: number; maxQueued: number } } = {}) {
  const rateLimitMs = options.healthIntervalMs ?? 200;
  const defaultProcessor = await startProcessorEmulator({ fee: 0.05, rateLimitMs, ...options.defaultLimits });
  const fallbackProcessor = await startProcessorEmulator({ fee: 0.15, rateLimitMs });
  const bus = await createBus('memory://');
  const log = createLogger('payments-test');
  const backend = await PaymentsInstance.start({
    dispatch: true,
    instanceId: 'test',
    processorUrls: { default: defaultProcessor.url, fallback: fallbackProcessor.url },
    bus,
    ledger: new MemoryLedger(),
    lease: new LocalLease(),
    log,
    healthIntervalMs: rateLimitMs + 20,
    policy: { maxLatencyMs: options.maxLatencyMs ?? 1200, spillAfterMs: 1000 },
  });
  const server: Server = await startPaymentsServer(backend, { port: 0, host: '127.0.0.1' }, log);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    backend,
    defaultProcessor,
    fallbackProcessor,
    async close() {
      await closeServer(server, 100);
      await backend.close(100);
      await bus.close();
      await defaultProcessor.close();
      await fallbackProcessor.close();
    },
  };
}
