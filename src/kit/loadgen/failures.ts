/** A request that took longer than the run's timeoutMs. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(timeoutMs: number) {
    super(`took longer than ${timeoutMs} ms`);
  }
}

/** An open-model request not sent because maxInFlight requests were already waiting. */
export class DroppedError extends Error {
  override readonly name = 'Dropped';
  constructor(maxInFlight: number) {
    super(`not sent: ${maxInFlight} requests were already in flight`);
  }
}

/** A request still unanswered when the run ended and its graceful stop ran out. */
export class InterruptedError extends Error {
  override readonly name = 'Interrupted';
  constructor(graceMs: number) {
    super(`still in flight ${graceMs} ms after the run ended`);
  }
}

export interface ErrorCount {
  error: string;
  count: number;
}

const MAX_DISTINCT = 100;
const OTHER = 'other errors';

/** Failures counted by `name: message`, bounded so a run that fails in a million ways stays small. */
export class ErrorTally {
  readonly #counts = new Map<string, number>();

  add(err: unknown): void {
    let key = describe(err);
    if (!this.#counts.has(key) && this.#counts.size >= MAX_DISTINCT) key = OTHER;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  top(limit = 5): ErrorCount[] {
    return [...this.#counts]
      .map(([error, count]) => ({ error, count }))
      .sort((a, b) => b.count - a.count)
      .slice(0, limit);
  }
}

function describe(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : `thrown: ${String(err)}`;
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
