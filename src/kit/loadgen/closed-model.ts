import { Calls } from './calls.ts';
import { Progress } from './progress.ts';
import { Recorder } from './recorder.ts';
import { type LoadResult, summarize } from './result.ts';
import { type Stage, peakTarget, targetAt, totalDuration, validateStages } from './stages.ts';
import type { Task } from './task.ts';

interface ClosedCommon {
  name: string;
  task: Task;
  /** Pause between a VU's iterations: a number of ms, or a function drawn from for each pause. Default 0. */
  thinkTimeMs?: number | (() => number);
  /** A request slower than this fails with TimeoutError. */
  timeoutMs?: number;
  /** How long iterations still running at the end may take to finish; the rest fail as interrupted. */
  gracefulStopMs?: number;
  /** The live progress line; by default on when stderr is a TTY. */
  progress?: boolean;
}

/** k6's ramping-vus: the VU count moves linearly between stage targets. */
export interface RampingOptions extends ClosedCommon {
  stages: Stage[];
  startVus?: number;
}

/** A fixed number of VUs for a duration (with no think time: as fast as the system answers). */
export interface FixedVusOptions extends ClosedCommon {
  vus: number;
  durationMs: number;
}

export type ClosedOptions = RampingOptions | FixedVusOptions;

const CONTROL_MS = 50;
/** VUs whose tasks settle in microtasks (an in-process system) would starve timers; they yield this often. */
const YIELD_EVERY_MS = 10;

interface Vu {
  id: number;
  stopping: boolean;
  wake: (() => void) | undefined;
}

/**
 * A closed model: each VU loops task → think, so the load adapts to the system's speed. Latency is
 * measured from each request's actual send. VUs above the current target stop after their iteration.
 */
export async function runClosed(options: ClosedOptions): Promise<LoadResult> {
  const stages = 'stages' in options ? options.stages : [{ durationMs: options.durationMs, target: options.vus }];
  const startVus = 'stages' in options ? (options.startVus ?? 0) : options.vus;
  validateStages(stages, startVus);
  const totalMs = totalDuration(stages);
  if (!(totalMs > 0)) throw new RangeError('the stages must last longer than 0 ms');
  const think = typeof options.thinkTimeMs === 'function' ? options.thinkTimeMs : constant(options.thinkTimeMs ?? 0);

  const startedAt = performance.now();
  const recorder = new Recorder(startedAt);
  const calls = new Calls(options.task, recorder, options.timeoutMs);
  const progress = new Progress(options.name, totalMs, recorder, { enabled: options.progress });
  const vus = new Map<number, Vu>();
  const loops = new Set<Promise<void>>();
  const yielder = new Yielder();
  let ended = false;

  const runVu = async (vu: Vu) => {
    for (let iteration = 0; !vu.stopping && !ended; iteration++) {
      await calls.start({ vu: vu.id, iteration }, performance.now());
      if (vu.stopping || ended) break;
      const pause = think();
      if (pause > 0) await sleep(vu, pause);
      else await yielder.maybe();
    }
  };

  const control = () => {
    const target = ended ? 0 : targetAt(stages, startVus, performance.now() - startedAt);
    const running = [...vus.values()].filter((vu) => !vu.stopping);
    for (let id = 0; running.length < target; id++) {
      if (vus.has(id)) continue;
      const vu: Vu = { id, stopping: false, wake: undefined };
      vus.set(id, vu);
      running.push(vu);
      const loop = runVu(vu).finally(() => {
        vus.delete(id);
        loops.delete(loop);
      });
      loops.add(loop);
    }
    running.sort((a, b) => b.id - a.id);
    for (let excess = running.length - target, i = 0; i < excess; i++) {
      const vu = running[i]!;
      vu.stopping = true;
      vu.wake?.();
    }
  };

  progress.start();
  let controller: NodeJS.Timeout | undefined;
  try {
    control();
    controller = setInterval(control, CONTROL_MS);
    await new Promise((resolve) => setTimeout(resolve, totalMs));
    clearInterval(controller);
    ended = true;
    control();
    await calls.drain(options.gracefulStopMs ?? Math.max(options.timeoutMs ?? 0, 10_000));
    await Promise.all([...loops]);
  } finally {
    clearInterval(controller);
    calls.stop();
    progress.stop();
  }
  return summarize(recorder, {
    name: options.name,
    model: 'closed',
    durationMs: performance.now() - startedAt,
    vus: peakTarget(stages, startVus),
  });
}

/** Think time that a ramp-down or the end of the run cuts short. */
function sleep(vu: Vu, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      vu.wake = undefined;
      resolve();
    };
    const timer = setTimeout(done, ms);
    vu.wake = done;
  });
}

function constant(ms: number): () => number {
  if (!(ms >= 0)) throw new RangeError(`thinkTimeMs must be >= 0, got ${ms}`);
  return () => ms;
}

/**
 * Hands the event loop a turn now and then to VUs that would otherwise never leave the microtask queue.
 * All VUs wait for the same turn and resume together: resumed from separate setImmediate callbacks, each
 * would run alone until its next yield (Node drains microtasks after every callback), and 64 VUs would
 * quietly become one.
 */
class Yielder {
  #due = performance.now() + YIELD_EVERY_MS;
  #turn: Promise<void> | undefined;

  maybe(): Promise<void> | undefined {
    if (this.#turn) return this.#turn;
    if (performance.now() < this.#due) return undefined;
    this.#turn = new Promise((resolve) =>
      setImmediate(() => {
        this.#turn = undefined;
        this.#due = performance.now() + YIELD_EVERY_MS;
        resolve();
      }),
    );
    return this.#turn;
  }
}
