import { formatDuration } from './duration.ts';
import { percentile } from './histogram.ts';
import type { Recorder } from './recorder.ts';

const BAR = 20;
const REFRESH_MS = 250;

/** One line on stderr, redrawn ~4 times a second while a run goes, erased at the end. Silent off a TTY. */
export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  #timer: NodeJS.Timeout | undefined;
  #lastCount = 0;
  #lastAt = 0;

  constructor(
    private readonly name: string,
    private readonly totalMs: number,
    private readonly recorder: Recorder,
    options: { enabled?: boolean; stream?: NodeJS.WriteStream } = {},
  ) {
    this.#stream = options.stream ?? process.stderr;
    this.#enabled = options.enabled ?? this.#stream.isTTY === true;
  }

  start(): void {
    if (!this.#enabled) return;
    this.#lastAt = this.recorder.startedAt;
    this.#timer = setInterval(() => this.#draw(), REFRESH_MS);
  }

  stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stream.write('\r\x1b[2K');
  }

  #draw(): void {
    const now = performance.now();
    const elapsed = Math.min(now - this.recorder.startedAt, this.totalMs);
    const count = this.recorder.count;
    const rps = ((count - this.#lastCount) * 1_000) / Math.max(1, now - this.#lastAt);
    this.#lastCount = count;
    this.#lastAt = now;
    const filled = this.totalMs > 0 ? Math.round((elapsed / this.totalMs) * BAR) : BAR;
    const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}`;
    const histogram = this.recorder.histogram;
    const p99 = histogram.totalCount > 0 ? `${percentile(histogram, 99).toFixed(3)}ms` : '-';
    const line = `${this.name} [${bar}] ${formatDuration(elapsed)}/${formatDuration(this.totalMs)}  ${Math.round(rps).toLocaleString('en-US')} req/s  p99 ${p99}  failed ${this.recorder.failed}`;
    const width = this.#stream.columns || 120;
    this.#stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, width - 1))}`);
  }
}
