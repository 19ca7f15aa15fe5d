import { PROCESSORS, type ProcessorName } from '../domain/processors.ts';
import { type Summary, type TimeRange, emptySummary } from '../domain/summary.ts';
import type { LedgerEntry, PaymentLedger } from './payment-ledger.ts';

/** Entries of one processor kept sorted by requestedAt; they arrive nearly in order, so inserts land near the end. */
class TimeOrdered {
  times: number[] = [];
  cents: number[] = [];

  insert(ms: number, cents: number): void {
    let i = this.times.length;
    while (i > 0 && this.times[i - 1]! > ms) i--;
    this.times.splice(i, 0, ms);
    this.cents.splice(i, 0, cents);
  }

  /** First index whose time is >= ms (or > ms when `after`). */
  #index(ms: number, after: boolean): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! < ms || (after && this.times[mid] === ms)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  total(range: TimeRange): { totalRequests: number; totalAmountCents: number } {
    const from = this.#index(range.fromMs, false);
    const to = this.#index(range.toMs, true);
    let sum = 0;
    for (let i = from; i < to; i++) sum += this.cents[i]!;
    return { totalRequests: Math.max(0, to - from), totalAmountCents: sum };
  }
}

/** The ledger of one process: for `payments up` and tests. */
export class MemoryLedger implements PaymentLedger {
  #seen = new Set<string>();
  #byProcessor = new Map<ProcessorName, TimeOrdered>(PROCESSORS.map((p) => [p, new TimeOrdered()]));

  async record(entry: LedgerEntry): Promise<void> {
    // Sent before the last purge: the purge wins (see RedisLedger).
    if (this.#seen.has(entry.correlationId) || entry.requestedAtMs < this.#purgedAt) return;
    this.#seen.add(entry.correlationId);
    this.#byProcessor.get(entry.processor)!.insert(entry.requestedAtMs, entry.amountCents);
  }

  async summary(range: TimeRange): Promise<Summary> {
    const summary = emptySummary();
    for (const p of PROCESSORS) summary[p] = this.#byProcessor.get(p)!.total(range);
    return summary;
  }

  #purgedAt = 0;

  async purge(at: number): Promise<void> {
    this.#purgedAt = at;
    this.#seen.clear();
    for (const p of PROCESSORS) this.#byProcessor.set(p, new TimeOrdered());
  }

  async purgedAt(): Promise<number> {
    return this.#purgedAt;
  }

  async close(): Promise<void> {}
}
