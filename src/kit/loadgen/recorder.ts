import { ErrorTally } from './failures.ts';
import { latencyHistogram, toMicros } from './histogram.ts';
import { Timeline } from './timeline.ts';

/** Everything one run measures. Latency histograms hold ok requests only; failures are counted apart. */
export class Recorder {
  readonly histogram = latencyHistogram(3);
  readonly errors = new ErrorTally();
  readonly timeline: Timeline;
  ok = 0;
  failed = 0;

  constructor(readonly startedAt: number) {
    this.timeline = new Timeline(startedAt);
  }

  get count(): number {
    return this.ok + this.failed;
  }

  success(now: number, latencyMs: number): void {
    const micros = toMicros(latencyMs);
    this.ok++;
    this.histogram.recordValue(micros);
    this.timeline.ok(now, micros);
  }

  failure(now: number, err: unknown): void {
    this.failed++;
    this.errors.add(err);
    this.timeline.failed(now);
  }
}
