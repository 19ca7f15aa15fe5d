/** A Lamport logical clock: tick before each send, observe every clock received. */
export class LamportClock {
  #value: number;

  constructor(start = 0) {
    if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`a Lamport clock starts at a non-negative integer, not ${start}`);
    this.#value = start;
  }

  get value(): number {
    return this.#value;
  }

  /** Advances the clock for a send and returns the value to send. */
  tick(): number {
    return ++this.#value;
  }

  /** Moves the clock up to a received value; anything but a non-negative integer is ignored. */
  observe(received: unknown): number {
    if (Number.isSafeInteger(received) && (received as number) > this.#value) this.#value = received as number;
    return this.#value;
  }
}
