export interface SendBufferLimits {
  /** Frames queued at most (the reference's send channel holds 256). */
  maxMessages: number;
  /** Characters queued at most, whatever the count. */
  maxChars: number;
}

/**
 * What one connection still has to send, bounded. A push that would pass either bound is refused and the
 * caller disconnects the client (a slow consumer): the queue never grows past its bounds, and no frame is
 * dropped silently from the middle of a conversation. Frames leave in batches joined by "\n", as the
 * reference joins queued messages into one WebSocket frame (JSON text never holds a raw newline).
 */
export class SendBuffer {
  #frames: string[] = [];
  #head = 0;
  #chars = 0;

  constructor(readonly limits: SendBufferLimits) {}

  get length(): number {
    return this.#frames.length - this.#head;
  }

  get chars(): number {
    return this.#chars;
  }

  /** Queues `frame`; false (and nothing queued) when it would pass a bound. */
  push(frame: string): boolean {
    if (this.length + 1 > this.limits.maxMessages || this.#chars + frame.length > this.limits.maxChars) return false;
    this.#frames.push(frame);
    this.#chars += frame.length;
    return true;
  }

  /**
   * The oldest frames joined by "\n", as many as fit in `maxChars` (always at least one), taken off the queue;
   * undefined when it is empty.
   */
  takeBatch(maxChars: number): string | undefined {
    if (this.length === 0) return undefined;
    let end = this.#head + 1;
    let size = this.#frames[this.#head]!.length;
    while (end < this.#frames.length && size + 1 + this.#frames[end]!.length <= maxChars) {
      size += 1 + this.#frames[end]!.length;
      end++;
    }
    const batch = end - this.#head === 1 ? this.#frames[this.#head]! : this.#frames.slice(this.#head, end).join('\n');
    for (let i = this.#head; i < end; i++) this.#chars -= this.#frames[i]!.length;
    this.#head = end;
    if (this.#head === this.#frames.length) {
      this.#frames = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }

  clear(): void {
    this.#frames = [];
    this.#head = 0;
    this.#chars = 0;
  }
}
