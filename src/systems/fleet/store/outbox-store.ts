import { type OutboxStatus, outboxChannel } from './schema.ts';
import type { SqlDatabase } from './sql-database.ts';

/** One claimed outbox row, as the relay publishes it. */
export interface OutboxEvent {
  id: string;
  aggregateId: string;
  eventType: string;
  eventVersion: number;
  /** The event, as the JSON text the message body carries. */
  payload: string;
  topic: string;
  traceparent: string | undefined;
  retryCount: number;
  createdAt: Date;
}

/** When a failed publish is tried again, and after how many attempts a row is given up as FAILED. */
export interface RetryPolicy {
  maxAttempts: number;
  /** The wait after the first failure, doubling with each until `capMs`. */
  baseMs: number;
  capMs: number;
}

interface OutboxRow {
  id: string;
  aggregate_id: string;
  event_type: string;
  event_version: number;
  payload: unknown;
  topic: string;
  tracing_context: { traceparent?: unknown } | null;
  retry_count: number;
  created_at: Date | string;
}

/** The relay's and the janitor's queries on the outbox table. */
export class OutboxStore {
  readonly #s: string;

  constructor(private readonly db: SqlDatabase) {
    this.#s = db.schema;
  }

  /**
   * Takes up to `limit` PENDING rows that are due, oldest first, and marks them PROCESSING, in one statement:
   * FOR UPDATE SKIP LOCKED passes over rows another relay is claiming at that moment, so two relays never
   * claim one row (a row claimed once stays PROCESSING until published, retried or reset by the janitor).
   */
  async claim(limit: number): Promise<OutboxEvent[]> {
    const rows = await this.db.query<OutboxRow>(
      `UPDATE ${this.#s}.outbox SET status = 'PROCESSING', updated_at = now()
       WHERE id IN (
         SELECT id FROM ${this.#s}.outbox WHERE status = 'PENDING' AND next_attempt_at <= now()
         ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED
       )
       RETURNING id, aggregate_id, event_type, event_version, payload, topic, tracing_context, retry_count, created_at`,
      [limit],
    );
    return rows.map(toEvent).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE ${this.#s}.outbox SET status = 'PUBLISHED', published_at = now(), updated_at = now(), error_msg = NULL WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /**
   * A publish that failed: back to PENDING, due after the policy's back-off, with retry_count + 1 and the error
   * kept; FAILED once that makes `maxAttempts`. Resolves with the row's new status.
   */
  async markFailed(id: string, error: string, policy: RetryPolicy): Promise<OutboxStatus | undefined> {
    const [row] = await this.db.query<{ status: OutboxStatus }>(
      `UPDATE ${this.#s}.outbox SET retry_count = retry_count + 1, error_msg = $2, updated_at = now(),
         status = CASE WHEN retry_count + 1 >= $3 THEN 'FAILED' ELSE 'PENDING' END,
         next_attempt_at = now() + LEAST($5::float8, $4::float8 * power(2, retry_count)) * interval '1 millisecond'
       WHERE id = $1 RETURNING status`,
      [id, error.slice(0, 2_000), policy.maxAttempts, policy.baseMs, policy.capMs],
    );
    return row?.status;
  }

  /** PROCESSING rows untouched for `olderThanMs` (their relay died holding them) back to PENDING; how many. */
  async resetStuck(olderThanMs: number): Promise<number> {
    return this.#count(`UPDATE ${this.#s}.outbox SET status = 'PENDING', updated_at = now() WHERE status = 'PROCESSING' AND updated_at < now() - $1::float8 * interval '1 millisecond' RETURNING 1`, olderThanMs);
  }

  /** PUBLISHED and FAILED rows, and inbox entries, older than `olderThanMs`; how many outbox rows went. */
  async deleteOld(olderThanMs: number): Promise<number> {
    await this.db.query(`DELETE FROM ${this.#s}.processed_events WHERE processed_at < now() - $1::float8 * interval '1 millisecond'`, [olderThanMs]);
    return this.#count(`DELETE FROM ${this.#s}.outbox WHERE status IN ('PUBLISHED', 'FAILED') AND created_at < now() - $1::float8 * interval '1 millisecond' RETURNING 1`, olderThanMs);
  }

  /** How many rows are in each state. */
  async counts(): Promise<Record<OutboxStatus, number>> {
    const counts: Record<OutboxStatus, number> = { PENDING: 0, PROCESSING: 0, PUBLISHED: 0, FAILED: 0 };
    for (const row of await this.db.query<{ status: OutboxStatus; n: number }>(`SELECT status, count(*)::int AS n FROM ${this.#s}.outbox GROUP BY status`)) counts[row.status] = row.n;
    return counts;
  }

  /** Calls `onInsert` whenever rows are added (the insert trigger's NOTIFY); resolves with the function that stops it. */
  onInsert(onInsert: () => void): Promise<() => Promise<void>> {
    return this.db.listen(outboxChannel(this.#s), onInsert);
  }

  async #count(statement: string, ms: number): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(`WITH changed AS (${statement}) SELECT count(*)::int AS n FROM changed`, [ms]);
    return row?.n ?? 0;
  }
}

function toEvent(row: OutboxRow): OutboxEvent {
  const traceparent = row.tracing_context?.traceparent;
  return {
    id: row.id,
    aggregateId: row.aggregate_id,
    eventType: row.event_type,
    eventVersion: row.event_version,
    payload: typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload),
    topic: row.topic,
    traceparent: typeof traceparent === 'string' ? traceparent : undefined,
    retryCount: row.retry_count,
    createdAt: new Date(row.created_at),
  };
}
