const SECONDS = 60;

/** How many things happened in the last minute, counted in one-second buckets: constant memory, cheap to add. */
export class RecentCount {
  readonly #buckets = new Array<number>(SECONDS).fill(0);
  #second = 0;

  add(count = 1, now = Date.now()): void {
    this.#advance(now);
    this.#buckets[this.#second % SECONDS]! += count;
  }

  /** The count over the last 60 seconds, this one included. */
  total(now = Date.now()): number {
    this.#advance(now);
    return this.#buckets.reduce((sum, count) => sum + count, 0);
  }

  #advance(now: number): void {
    const second = Math.floor(now / 1000);
    if (second <= this.#second) return;
    if (second - this.#second >= SECONDS) this.#buckets.fill(0);
    else for (let s = this.#second + 1; s <= second; s++) this.#buckets[s % SECONDS] = 0;
    this.#second = second;
  }
}
