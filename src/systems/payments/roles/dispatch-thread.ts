import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../../kit/observe/log.ts';
import type { AcceptedPayment } from '../domain/accepted-payment.ts';
import { openBackendStore } from '../store/backend-store.ts';
import { DispatcherService, type DispatcherServiceOptions } from './dispatcher-service.ts';

export interface DispatchThreadData {
  storeUrl: string;
  instanceId: string;
  settings: Omit<DispatcherServiceOptions, 'instanceId' | 'bus' | 'ledger' | 'lease' | 'log'>;
  /** Added to this thread's nice value: the answering thread goes first when both are ready to run. */
  nice: number;
}

export type ToDispatchThread = { type: 'payments'; payments: AcceptedPayment[] } | { type: 'drain'; timeoutMs: number };
export type FromDispatchThread = { type: 'ready' } | { type: 'size'; size: number } | { type: 'drained'; done: boolean };

const data = workerData as DispatchThreadData;
const port = parentPort!;

// Linux lets a thread have its own priority; /proc/thread-self names this thread's id.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  setPriority(tid, data.nice);
} catch {
  // not Linux, or not allowed: the thread runs at the process's priority
}

const log = createLogger(`payments:${data.instanceId}:dispatch`);
const store = await openBackendStore(data.storeUrl, `${data.instanceId}-dispatch`);
const service = await DispatcherService.start({ ...data.settings, instanceId: data.instanceId, bus: store.bus, ledger: store.ledger, lease: store.lease, log, consumeQueue: false });

port.on('message', (message: ToDispatchThread) => {
  if (message.type === 'payments') {
    for (const payment of message.payments) if (!service.offer(payment)) log.error('dispatch queue full: payment kept back', { correlationId: payment.correlationId });
    port.postMessage({ type: 'size', size: service.size } satisfies FromDispatchThread);
  } else {
    void service.close(message.timeoutMs).then(async () => {
      await store.close();
      port.postMessage({ type: 'drained', done: service.size === 0 } satisfies FromDispatchThread);
    });
  }
});
setInterval(() => port.postMessage({ type: 'size', size: service.size } satisfies FromDispatchThread), 100).unref();
port.postMessage({ type: 'ready' } satisfies FromDispatchThread);
