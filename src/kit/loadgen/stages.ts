export interface Stage {
  durationMs: number;
  /** VUs at the end of the stage; the count moves linearly to it from the previous stage's target. */
  target: number;
}

export function validateStages(stages: Stage[], startVus: number): void {
  if (stages.length === 0) throw new RangeError('give at least one stage ({ durationMs, target })');
  if (!Number.isInteger(startVus) || startVus < 0) throw new RangeError(`startVus must be a whole number >= 0, got ${startVus}`);
  for (const [i, stage] of stages.entries()) {
    if (!(stage.durationMs >= 0)) throw new RangeError(`stage ${i}: durationMs must be >= 0, got ${stage.durationMs}`);
    if (!Number.isInteger(stage.target) || stage.target < 0) throw new RangeError(`stage ${i}: target must be a whole number >= 0, got ${stage.target}`);
  }
}

export function totalDuration(stages: Stage[]): number {
  return stages.reduce((sum, stage) => sum + stage.durationMs, 0);
}

/** How many VUs should be running `elapsedMs` into the run (k6 ramping-vus semantics). */
export function targetAt(stages: Stage[], startVus: number, elapsedMs: number): number {
  let from = startVus;
  let stageStart = 0;
  for (const stage of stages) {
    const stageEnd = stageStart + stage.durationMs;
    if (elapsedMs < stageEnd) {
      const progress = (elapsedMs - stageStart) / stage.durationMs;
      return Math.round(from + (stage.target - from) * progress);
    }
    from = stage.target;
    stageStart = stageEnd;
  }
  return from;
}

export function peakTarget(stages: Stage[], startVus: number): number {
  return Math.max(startVus, ...stages.map((stage) => stage.target));
}
