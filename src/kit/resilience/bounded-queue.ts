/**
 * A FIFO that refuses new work past `capacity` but always takes back work it already accepted (`returnToFront`),
 * so a retry never turns into a loss.
 */
export class BoundedQueue<T> {
  #items: T[] = [];
  #head = 0;
  #front: T[] = [];

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be at least 1');
  }

  get size(): number {
    return this.#front.length + this.#items.length - this.#head;
  }

  /** False when full: the caller tells its client to come back later. */
  push(item: T): boolean {
    if (this.size >= this.capacity) return false;
    this.#items.push(item);
    return true;
  }

  returnToFront(item: T): void {
    this.#front.push(item);
  }

  peek(): T | undefined {
    return this.#front.length > 0 ? this.#front[this.#front.length - 1] : this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#front.length > 0) return this.#front.pop();
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = undefined as T;
    this.#head += 1;
    // Compact now and then so the array does not keep every item ever queued.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  clear(): T[] {
    const all = [...this.#front.reverse(), ...this.#items.slice(this.#head)];
    this.#items = [];
    this.#head = 0;
    this.#front = [];
    return all;
  }
}
