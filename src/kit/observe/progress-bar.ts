const WIDTH = 24;
const REFRESH_MS = 100;

/** A one-line bar on stderr for long work with a known total (seeding, loading). Silent off a TTY. */
export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  readonly #startedAt = performance.now();
  #drawnAt = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    options: { enabled?: boolean; stream?: NodeJS.WriteStream } = {},
  ) {
    this.#stream = options.stream ?? process.stderr;
    this.#enabled = options.enabled ?? this.#stream.isTTY === true;
  }

  update(done: number): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (now - this.#drawnAt < REFRESH_MS && done < this.total) return;
    this.#drawnAt = now;
    const share = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(share * WIDTH);
    const elapsed = (now - this.#startedAt) / 1_000;
    const eta = share > 0 && share < 1 ? ` eta ${Math.ceil((elapsed / share) * (1 - share))}s` : '';
    const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
    this.#stream.write(`\r\x1b[2K${this.label} ${bar} ${(share * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} ${elapsed.toFixed(1)}s${eta}`);
  }

  finish(): void {
    if (this.#enabled) this.#stream.write('\r\x1b[2K');
  }
}
