/** A server's physical clock: the system time plus the offset the Berkeley rounds have applied. */
export class PhysicalClock {
  #offsetMs = 0;

  constructor(private readonly systemNow: () => number = Date.now) {}

  now(): number {
    return this.systemNow() + this.#offsetMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  adjust(deltaMs: number): void {
    if (Number.isFinite(deltaMs)) this.#offsetMs += deltaMs;
  }
}
