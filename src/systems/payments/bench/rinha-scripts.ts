/**
 * The two official k6 scripts of the Rinha de Backend 2025 as data, from zanfranceschi/rinha-de-backend-2025:
 * `rinha-test/rinha.js` (preview, @1f12eac) and `rinha-test/rinha-final.js` (final, @e853c85).
 */

export interface ProcessorSetting {
  delayMs: number;
  failing: boolean;
}

/** One `define_stage` scenario: at `startMs` after the test starts, four admin PUTs set both processors. */
export interface StageChange {
  startMs: number;
  default: ProcessorSetting;
  fallback: ProcessorSetting;
}

/**
 * How a check turns three summaries into inconsistencies. Preview: |Σ (backend − processor)| over the two
 * processors' counts, so a payment filed under the wrong processor cancels out. Final: Σ |backend − processor|.
 */
export type ConsistencyRule = 'sum-of-differences' | 'per-processor';

/**
 * Where the teardown reads the money. Preview: the backend's own summary, with each processor's
 * feePerTransaction applied to it. Final: the processors' admin summaries.
 */
export type TeardownSource = 'backend' | 'processors';

export interface RinhaScript {
  name: 'preview' | 'final';
  maxVus: number;
  durationMs: number;
  /** The amount every payment carries. */
  amount: number;
  /** Each payments iteration sleeps this long after its POST (k6 `sleep(1)`). */
  iterationSleepMs: number;
  /** The k6 Httpx client's timeout, for every request the script makes. */
  requestTimeoutMs: number;
  check: {
    /** The window [now − fromAgoMs, now − toAgoMs] each check compares. */
    fromAgoMs: number;
    toAgoMs: number;
    /** Sleep after each check (k6 `sleep(10)`). */
    sleepMs: number;
    rule: ConsistencyRule;
  };
  teardown: {
    source: TeardownSource;
    /** The teardown summaries cover [now − windowMs, now]. */
    windowMs: number;
  };
  stages: StageChange[];
}

function stage(startS: number, defaultDelay: number, defaultFailing: boolean, fallbackDelay: number, fallbackFailing: boolean): StageChange {
  return {
    startMs: startS * 1_000,
    default: { delayMs: defaultDelay, failing: defaultFailing },
    fallback: { delayMs: fallbackDelay, failing: fallbackFailing },
  };
}

/** `rinha.js` as `run-tests.sh` ran it for the rolling preview (MAX_REQUESTS=550). */
export const PREVIEW_SCRIPT: RinhaScript = {
  name: 'preview',
  maxVus: 550,
  durationMs: 60_000,
  amount: 19.9,
  iterationSleepMs: 1_000,
  requestTimeoutMs: 1_500,
  check: { fromAgoMs: 15_000, toAgoMs: 1_500, sleepMs: 10_000, rule: 'sum-of-differences' },
  teardown: { source: 'backend', windowMs: 70_000 },
  stages: [
    stage(1, 0, false, 0, false),
    stage(10, 100, false, 0, false),
    stage(20, 100, true, 0, false),
    stage(30, 2000, true, 1000, true),
    stage(40, 20, false, 20, false),
    stage(50, 0, false, 5000, false),
  ],
};

/** `rinha-final.js` as `run-tests-final.sh` ran it (MAX_REQUESTS=603). */
export const FINAL_SCRIPT: RinhaScript = {
  name: 'final',
  maxVus: 603,
  durationMs: 300_000,
  amount: 20.05,
  iterationSleepMs: 1_000,
  requestTimeoutMs: 1_500,
  check: { fromAgoMs: 15_000, toAgoMs: 2_000, sleepMs: 10_000, rule: 'per-processor' },
  teardown: { source: 'processors', windowMs: 360_000 },
  stages: [
    stage(1, 0, false, 0, false),
    stage(30, 1000, false, 0, false),
    stage(60, 500, false, 0, false),
    stage(90, 2000, true, 1000, false),
    stage(120, 5000, true, 5, false),
    stage(150, 0, false, 5, true),
    stage(180, 100, false, 5, false),
    stage(210, 50, false, 0, false),
    stage(240, 103, false, 10, false),
    stage(270, 2000, false, 0, false),
  ],
};

export const RINHA_SCRIPTS = { preview: PREVIEW_SCRIPT, final: FINAL_SCRIPT } as const;
export type RinhaScriptName = keyof typeof RINHA_SCRIPTS;

/**
 * The script played `factor` times as fast: the duration, the stage start times and the checker's sleep
 * shrink (or grow); what measures the system under test does not: the processors' delays, the 1 s sleep
 * of each payment iteration (it sets the request rate per VU), the 1.5 s timeout, the check window's lag
 * behind now, and the teardown window (it only has to cover the whole run).
 */
export function compressScript(script: RinhaScript, factor: number): RinhaScript {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`the time factor must be above 0, got ${factor}`);
  return {
    ...script,
    durationMs: script.durationMs * factor,
    check: { ...script.check, sleepMs: script.check.sleepMs * factor },
    stages: script.stages.map((s) => ({ ...s, startMs: s.startMs * factor })),
  };
}

/** The script at another peak VU count and/or total duration (a shorter run is the script compressed in time). */
export function fitScript(script: RinhaScript, overrides: { vus?: number; durationMs?: number } = {}): RinhaScript {
  const { vus, durationMs } = overrides;
  if (vus !== undefined && !(Number.isInteger(vus) && vus >= 1)) throw new RangeError(`vus must be a whole number from 1 up, got ${vus}`);
  const timed = durationMs === undefined ? script : compressScript(script, durationMs / script.durationMs);
  return vus === undefined ? timed : { ...timed, maxVus: vus };
}

/**
 * When k6's ramping-vus (startVUs 1, one stage to `maxVus` over `durationMs`) brings VU number `vu`
 * (1-based) to life: its execution steps put the count `u` at D − D·(max − u)/(max − 1) (k6 floors that to
 * the nanosecond), so VU 1 starts at 0 and VU `maxVus` at the very end, which leaves it no iteration.
 */
export function vuStartMs(vu: number, maxVus: number, durationMs: number): number {
  if (vu <= 1 || maxVus <= 1) return 0;
  return durationMs - (durationMs * (maxVus - vu)) / (maxVus - 1);
}
