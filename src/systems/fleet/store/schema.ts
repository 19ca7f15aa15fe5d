import { ORDER_STATUSES } from '../domain/order-status.ts';
import { ORDER_ID_MAX_LENGTH } from '../domain/order.ts';
import type { SqlDatabase } from './sql-database.ts';

/** The outbox's states: claimed rows are PROCESSING until published, or FAILED after the last attempt. */
export const OUTBOX_STATUSES = ['PENDING', 'PROCESSING', 'PUBLISHED', 'FAILED'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** The NOTIFY channel an outbox insert wakes the relays on: one per schema. */
export function outboxChannel(schema: string): string {
  return `fleet_outbox_${schema}`;
}

const list = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/**
 * Each migration runs once per schema, in order, in one transaction with the version it records. A new one is
 * added at the end; one that has run is never edited.
 */
const MIGRATIONS: Array<{ version: number; name: string; sql: (schema: string) => string }> = [
  {
    version: 1,
    name: 'orders, outbox, processed events',
    sql: (s) => `
CREATE TABLE ${s}.orders (
  id VARCHAR(${ORDER_ID_MAX_LENGTH}) PRIMARY KEY,
  price DECIMAL(10,2) NOT NULL CONSTRAINT orders_price_positive CHECK (price > 0),
  tax DECIMAL(10,2) NOT NULL CONSTRAINT orders_tax_not_negative CHECK (tax >= 0),
  final_price DECIMAL(10,2) NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'PENDING' CONSTRAINT orders_status_known CHECK (status IN (${list(ORDER_STATUSES)})),
  driver_id VARCHAR(64),
  pickup_lat DOUBLE PRECISION NOT NULL CONSTRAINT orders_pickup_lat CHECK (pickup_lat BETWEEN -90 AND 90),
  pickup_lng DOUBLE PRECISION NOT NULL CONSTRAINT orders_pickup_lng CHECK (pickup_lng BETWEEN -180 AND 180),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT orders_final_price CHECK (final_price = price + tax),
  CONSTRAINT orders_driver_when_dispatched CHECK (status NOT IN ('DISPATCHED', 'DELIVERED') OR driver_id IS NOT NULL)
);
CREATE INDEX orders_recent ON ${s}.orders (created_at DESC);

CREATE TABLE ${s}.outbox (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  aggregate_type VARCHAR(64) NOT NULL,
  aggregate_id VARCHAR(${ORDER_ID_MAX_LENGTH}) NOT NULL,
  event_type VARCHAR(64) NOT NULL,
  event_version INT NOT NULL DEFAULT 1,
  payload JSONB NOT NULL,
  topic VARCHAR(255) NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'PENDING' CONSTRAINT outbox_status_known CHECK (status IN (${list(OUTBOX_STATUSES)})),
  retry_count INT NOT NULL DEFAULT 0,
  tracing_context JSONB NOT NULL DEFAULT '{}',
  error_msg TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  published_at TIMESTAMPTZ,
  next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX outbox_pending ON ${s}.outbox (created_at) WHERE status = 'PENDING';
CREATE INDEX outbox_processing ON ${s}.outbox (updated_at) WHERE status = 'PROCESSING';
CREATE INDEX outbox_finished ON ${s}.outbox (created_at) WHERE status IN ('PUBLISHED', 'FAILED');
CREATE INDEX outbox_aggregate ON ${s}.outbox (aggregate_type, aggregate_id);

CREATE FUNCTION ${s}.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('fleet_outbox_' || TG_TABLE_SCHEMA, '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_inserted AFTER INSERT ON ${s}.outbox FOR EACH STATEMENT EXECUTE FUNCTION ${s}.outbox_notify();

CREATE TABLE ${s}.processed_events (
  event_id VARCHAR(64) PRIMARY KEY,
  order_id VARCHAR(${ORDER_ID_MAX_LENGTH}) NOT NULL,
  action VARCHAR(20) NOT NULL,
  processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX processed_events_age ON ${s}.processed_events (processed_at);
`,
  },
];

/**
 * Brings the schema up to date; safe to run from every process at every start, at once: an advisory lock on
 * the schema's name makes concurrent starts take turns, and a migration that ran is skipped. Resolves with
 * how many it applied.
 */
export async function migrate(db: SqlDatabase): Promise<number> {
  const s = db.schema;
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mensageiro fleet ${s}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version INT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).map((row) => row.version));
    let applied = 0;
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql(s));
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      applied++;
    }
    return applied;
  });
}
