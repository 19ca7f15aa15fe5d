import { InterruptedError, TimeoutError } from './failures.ts';
import type { Recorder } from './recorder.ts';
import type { Task, TaskContext } from './task.ts';

interface Call {
  /** When latency is measured from: the intended send time in the open model, the actual one in the closed. */
  from: number;
  deadline: number;
  done: boolean;
  release(): void;
  prev: Call | undefined;
  next: Call | undefined;
}

/**
 * Runs tasks and records each outcome exactly once: its completion, its timeout, or its interruption at the
 * end of the run, whichever comes first. Calls start in time order, so the oldest are first in the list and
 * a sweep for timeouts stops at the first one that is still young; that costs a timer per run, not per call.
 *
 * The calls in flight are a linked list rather than a Set: a Set churning at 100k entries a second made
 * V8 promote nearly every short-lived object out of the young generation, and GC took a third of the CPU.
 */
export class Calls {
  #head: Call | undefined;
  #tail: Call | undefined;
  #inFlight = 0;
  readonly #sweeper: NodeJS.Timeout | undefined;
  #onIdle: (() => void) | undefined;

  constructor(
    private readonly task: Task,
    private readonly recorder: Recorder,
    private readonly timeoutMs?: number,
  ) {
    if (timeoutMs !== undefined) {
      if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
      this.#sweeper = setInterval(() => this.#sweep(), Math.min(250, Math.max(5, timeoutMs / 4)));
    }
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Starts one task; the promise resolves (never rejects) once its outcome is recorded. */
  start(ctx: TaskContext, from: number): Promise<void> {
    return new Promise<void>((release) => {
      const call: Call = { from, deadline: performance.now() + (this.timeoutMs ?? 0), done: false, release, prev: this.#tail, next: undefined };
      if (this.#tail) this.#tail.next = call;
      else this.#head = call;
      this.#tail = call;
      this.#inFlight++;
      let running: Promise<unknown>;
      try {
        running = this.task(ctx);
      } catch (err) {
        running = Promise.reject(err);
      }
      running.then(
        () => this.#finish(call, undefined, true),
        (err: unknown) => this.#finish(call, err ?? new Error('rejected without a reason'), false),
      );
    });
  }

  #finish(call: Call, err: unknown, ok: boolean): void {
    if (call.done) return;
    call.done = true;
    this.#unlink(call);
    const now = performance.now();
    if (ok) this.recorder.success(now, now - call.from);
    else this.recorder.failure(now, err);
    call.release();
    if (this.#inFlight === 0) this.#onIdle?.();
  }

  #unlink(call: Call): void {
    if (call.prev) call.prev.next = call.next;
    else this.#head = call.next;
    if (call.next) call.next.prev = call.prev;
    else this.#tail = call.prev;
    call.prev = call.next = undefined;
    this.#inFlight--;
  }

  #sweep(): void {
    const now = performance.now();
    while (this.#head && this.#head.deadline <= now) this.#finish(this.#head, new TimeoutError(this.timeoutMs!), false);
  }

  /** Waits up to graceMs for the calls in flight, then fails the rest as interrupted. */
  async drain(graceMs: number): Promise<void> {
    if (this.#inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#onIdle = resolve;
        timer = setTimeout(resolve, graceMs);
      });
      clearTimeout(timer);
      this.#onIdle = undefined;
    }
    const interrupted = new InterruptedError(graceMs);
    while (this.#head) this.#finish(this.#head, interrupted, false);
    this.stop();
  }

  stop(): void {
    clearInterval(this.#sweeper);
  }
}
