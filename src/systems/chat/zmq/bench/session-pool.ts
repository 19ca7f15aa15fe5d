/**
 * Idle items handed out one holder at a time; takers beyond the pool wait in arrival order. A ChatSession sends
 * one request at a time, so the open model borrows an idle one for each request.
 */
export class SessionPool<T> {
  readonly #idle: T[];
  readonly #waiting: Array<(item: T) => void> = [];

  constructor(items: T[]) {
    if (items.length === 0) throw new RangeError('a pool needs at least one item');
    this.#idle = [...items];
  }

  take(): Promise<T> {
    const item = this.#idle.pop();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  give(item: T): void {
    const next = this.#waiting.shift();
    if (next) next(item);
    else this.#idle.push(item);
  }

  get idle(): number {
    return this.#idle.length;
  }

  get waiting(): number {
    return this.#waiting.length;
  }
}
