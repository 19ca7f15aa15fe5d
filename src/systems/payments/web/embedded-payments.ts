import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { Bus } from '../../../kit/bus/bus.ts';
import { type LoadResult, runOpen } from '../../../kit/loadgen/index.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { LocalLease } from '../../../kit/store/lease.ts';
import { type ProcessorEmulator, startProcessorEmulator } from '../emulator/processor-emulator.ts';
import { PaymentsInstance } from '../roles/payments-instance.ts';
import { MemoryLedger } from '../store/memory-ledger.ts';

export interface EmbeddedPayments {
  backend: PaymentsInstance;
  processors: { default: ProcessorEmulator; fallback: ProcessorEmulator };
  /** A short constant-rate load of POST /payments against `url` (this process's own contract endpoint). */
  runLoad(url: string, rate: number, durationMs: number): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** One backend and both emulators (5 % and 15 % fees) in this process, on the platform's bus. */
export async function startEmbeddedPayments(bus: Bus, log: Logger): Promise<EmbeddedPayments> {
  const processors = { default: await startProcessorEmulator({ fee: 0.05 }), fallback: await startProcessorEmulator({ fee: 0.15 }) };
  const backend = await PaymentsInstance.start({
    dispatch: true,
    instanceId: 'embedded',
    processorUrls: { default: processors.default.url, fallback: processors.fallback.url },
    bus,
    ledger: new MemoryLedger(),
    lease: new LocalLease(),
    log,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    backend,
    processors,
    runLoad(url, rate, durationMs) {
      const target = new URL(url);
      const post = () =>
        new Promise<void>((resolve, reject) => {
          const body = `{"correlationId":"${randomUUID()}","amount":19.9}`;
          const req = request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
            res.resume();
            res.on('end', () => (res.statusCode! < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
          });
          req.on('error', reject);
          req.end(body);
        });
      return runOpen({ name: 'POST /payments', rate, durationMs, task: post, timeoutMs: 1_500, progress: false });
    },
    async stop() {
      agent.destroy();
      await backend.close(1_000);
      await processors.default.close();
      await processors.fallback.close();
    },
  };
}
