import type { ProcessorName } from '../domain/processors.ts';
import type { Summary, TimeRange } from '../domain/summary.ts';

export interface LedgerEntry {
  processor: ProcessorName;
  correlationId: string;
  amountCents: number;
  /** Exactly the requestedAt sent to the processor, so both summaries count it in the same window. */
  requestedAtMs: number;
}

/** Where processed payments are recorded, shared by every backend instance. Recording the same payment twice counts it once. */
export interface PaymentLedger {
  record(entry: LedgerEntry): Promise<void>;
  summary(range: TimeRange): Promise<Summary>;
  /** Empties it, and remembers `at` so a dispatcher started later still drops payments accepted before it. */
  purge(at: number): Promise<void>;
  purgedAt(): Promise<number>;
  close(): Promise<void>;
}
