/** One stored payment, as the processor's `payments` table holds it. */
export interface PaymentRow {
  /** Canonical form: lower-case, with dashes (a Guid in the original). */
  readonly correlationId: string;
  /** round2(amount) in integer cents. */
  readonly amountCents: number;
  readonly requestedAtMs: number;
  /** Exactly as the client sent it, for GET /payments/{id}. */
  readonly requestedAt: string;
}

export interface TableSummary {
  totalRequests: number;
  /** A bigint because a sum of many large amounts can pass 2^53 cents. */
  totalAmountCents: bigint;
}

/** Partial sums stay below this, so adding one more row (at most MAX_ROW_CENTS) stays exact in a double. */
const FLUSH_AT = 2 ** 52;

/** The largest |amount| in cents a row may hold, so that summing in doubles stays exact (see FLUSH_AT). */
export const MAX_ROW_CENTS = 2 ** 52;

/**
 * The processor's payments table in memory: rows by correlationId (the primary key) and ordered by
 * requestedAt (the index its summary query uses). Rows arrive nearly in requestedAt order, so an insert is
 * almost always an append.
 */
export class PaymentTable {
  readonly #byId = new Map<string, PaymentRow>();
  /** Sorted by requestedAtMs; equal instants keep their insertion order. */
  #byTime: PaymentRow[] = [];

  get size(): number {
    return this.#byId.size;
  }

  get(correlationId: string): PaymentRow | undefined {
    return this.#byId.get(correlationId);
  }

  /** Stores the row; false when its correlationId is already there (the primary-key violation). */
  insert(row: PaymentRow): boolean {
    if (this.#byId.has(row.correlationId)) return false;
    this.#byId.set(row.correlationId, row);
    const rows = this.#byTime;
    const last = rows[rows.length - 1];
    if (last === undefined || last.requestedAtMs <= row.requestedAtMs) rows.push(row);
    else rows.splice(this.#after(row.requestedAtMs), 0, row);
    return true;
  }

  /**
   * Count and sum of the rows with from <= requestedAt <= to (SQL BETWEEN). As in the processor's query
   * (`BETWEEN @from AND @to OR @from IS NULL OR @to IS NULL`), a missing bound means every row.
   */
  summary(fromMs?: number, toMs?: number): TableSummary {
    const rows = this.#byTime;
    let start = 0;
    let end = rows.length;
    if (fromMs !== undefined && toMs !== undefined) {
      start = this.#before(fromMs);
      end = Math.max(start, this.#after(toMs));
    }
    let partial = 0;
    let total = 0n;
    for (let i = start; i < end; i++) {
      partial += rows[i]!.amountCents;
      if (partial >= FLUSH_AT || partial <= -FLUSH_AT) {
        total += BigInt(partial);
        partial = 0;
      }
    }
    return { totalRequests: end - start, totalAmountCents: total + BigInt(partial) };
  }

  /** TRUNCATE. */
  clear(): void {
    this.#byId.clear();
    this.#byTime = [];
  }

  /** Index of the first row with requestedAtMs >= ms. */
  #before(ms: number): number {
    let low = 0;
    let high = this.#byTime.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#byTime[mid]!.requestedAtMs < ms) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Index of the first row with requestedAtMs > ms. */
  #after(ms: number): number {
    let low = 0;
    let high = this.#byTime.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#byTime[mid]!.requestedAtMs <= ms) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
