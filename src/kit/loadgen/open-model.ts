import { Calls } from './calls.ts';
import { DroppedError } from './failures.ts';
import { Progress } from './progress.ts';
import { Recorder } from './recorder.ts';
import { type LoadResult, summarize } from './result.ts';
import type { Task } from './task.ts';

export interface OpenOptions {
  name: string;
  /** Requests per second, arriving at a constant rate whatever the system does. */
  rate: number;
  durationMs: number;
  task: Task;
  /** A request slower than this fails with TimeoutError. */
  timeoutMs?: number;
  /** Requests beyond this many in flight fail as dropped instead of piling up. */
  maxInFlight?: number;
  /** How long to wait for requests still in flight once the last one is sent; the rest fail as interrupted. */
  gracefulStopMs?: number;
  /** The live progress line; by default on when stderr is a TTY. */
  progress?: boolean;
  /**
   * `spin` (the default) keeps to the schedule by checking again on every turn of the event loop while the next
   * request is under 2 ms away, which keeps a core busy. `timer` sleeps on a timer instead: a request may go out
   * up to a millisecond or two late (its latency still counts from the intended time), and the core is left to
   * a system under test that shares the machine.
   */
  pacing?: 'spin' | 'timer';
}

/** At most this many requests go out in one turn of the event loop, so replies can come in between bursts. */
const BURST = 1_000;

/**
 * Constant arrival rate (an open model, like wrk2 or k6's constant-arrival-rate). Request i is due at
 * start + i/rate and its latency is measured from that intended time, not from when it actually went out:
 * when the system (or this process) stalls, the requests that should have been sent meanwhile carry the
 * stall in their latency instead of silently never existing, which is how coordinated omission hides it.
 */
export async function runOpen(options: OpenOptions): Promise<LoadResult> {
  const { name, rate, durationMs, task } = options;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number of requests per second, got ${rate}`);
  if (!(durationMs > 0)) throw new RangeError(`durationMs must be positive, got ${durationMs}`);
  const maxInFlight = options.maxInFlight ?? 10_000;
  const total = Math.max(1, Math.floor((rate * durationMs) / 1_000));
  const interval = 1_000 / rate;
  const spinBelowMs = options.pacing === 'timer' ? 0 : 2;
  const dropped = new DroppedError(maxInFlight);

  const startedAt = performance.now();
  const recorder = new Recorder(startedAt);
  const calls = new Calls(task, recorder, options.timeoutMs);
  const progress = new Progress(name, durationMs, recorder, { enabled: options.progress });
  progress.start();
  try {
    await new Promise<void>((finished) => {
      let next = 0;
      const tick = () => {
        const now = performance.now();
        let fired = 0;
        while (next < total) {
          const intended = startedAt + next * interval;
          if (intended > now) break;
          if (fired === BURST) return void setImmediate(tick);
          if (calls.inFlight >= maxInFlight) recorder.failure(now, dropped);
          else void calls.start({ vu: 0, iteration: next }, intended);
          next++;
          fired++;
        }
        if (next >= total) return finished();
        // Timers fire a millisecond or more late; sleep on one only when the next request is far enough off.
        const wait = startedAt + next * interval - performance.now();
        if (wait > spinBelowMs) setTimeout(tick, Math.max(0, wait - 1));
        else setImmediate(tick);
      };
      tick();
    });
    await calls.drain(options.gracefulStopMs ?? Math.max(options.timeoutMs ?? 0, 10_000));
  } finally {
    calls.stop();
    progress.stop();
  }
  return summarize(recorder, { name, model: 'open', durationMs: performance.now() - startedAt, rate });
}
