import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../../kit/runtime/module-worker.ts';
import type { AcceptedPayment } from '../domain/accepted-payment.ts';
import type { DispatchThreadData, FromDispatchThread, ToDispatchThread } from './dispatch-thread.ts';
import type { PaymentHandoff } from './payment-handoff.ts';

/**
 * Hands accepted payments to a dispatcher on a worker thread of lower priority, one message per event-loop turn:
 * the thread that answers clients never runs dispatch work, and the OS runs it first when both are ready.
 */
export class ThreadHandoff implements PaymentHandoff {
  #pending: AcceptedPayment[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  /** The thread's last report, plus what was sent since. */
  #reported = 0;
  #sentSinceReport = 0;
  #drained: ((done: boolean) => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly capacity: number,
  ) {
    worker.on('message', (message: FromDispatchThread) => {
      if (message.type === 'size') {
        this.#reported = message.size;
        this.#sentSinceReport = 0;
      } else if (message.type === 'drained') this.#drained?.(message.done);
    });
  }

  static async start(data: DispatchThreadData, capacity = 5_000): Promise<ThreadHandoff> {
    const worker = startModuleWorker(new URL('./dispatch-thread.ts', import.meta.url), data);
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', function ready(message: FromDispatchThread) {
        if (message.type !== 'ready') return;
        worker.off('message', ready);
        worker.off('error', reject);
        resolve();
      });
    });
    return new ThreadHandoff(worker, capacity);
  }

  get size(): number {
    return this.#reported + this.#sentSinceReport + this.#pending.length;
  }

  offer(payment: AcceptedPayment): boolean {
    if (this.size >= this.capacity) return false;
    this.#pending.push(payment);
    this.#scheduled ??= setImmediate(() => {
      this.#scheduled = undefined;
      const payments = this.#pending;
      this.#pending = [];
      this.#sentSinceReport += payments.length;
      this.worker.postMessage({ type: 'payments', payments } satisfies ToDispatchThread);
    });
    return true;
  }

  /** Lets the thread finish what it holds (up to `timeoutMs`), then stops it. */
  async flush(timeoutMs: number): Promise<boolean> {
    clearImmediate(this.#scheduled);
    if (this.#pending.length > 0) this.worker.postMessage({ type: 'payments', payments: this.#pending } satisfies ToDispatchThread);
    this.#pending = [];
    const done = await new Promise<boolean>((resolve) => {
      this.#drained = resolve;
      this.worker.postMessage({ type: 'drain', timeoutMs } satisfies ToDispatchThread);
      setTimeout(() => resolve(false), timeoutMs + 2_000).unref();
    });
    await this.worker.terminate();
    return done;
  }
}
