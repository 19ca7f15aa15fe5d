import type { GeoPoint } from '../domain/order-created.ts';
import type { OrderAction } from '../domain/order-status.ts';
import type { DispatchOutcome, DispatchStore } from './dispatch-store.ts';
import { applyTransition } from './order-store.ts';
import type { SqlDatabase } from './sql-database.ts';

/** The inbox's event_id column is VARCHAR(64); the relay's ids are UUIDs. */
const MAX_EVENT_ID_LENGTH = 64;

/** Thrown inside the transaction to roll back the inbox row of a write the order's state refused. */
class Refused extends Error {}

/**
 * The worker's writes on PostgreSQL or PGlite. In one transaction: the event id goes into processed_events
 * (ON CONFLICT DO NOTHING: a second delivery of one event, even a concurrent one, waits for the first's commit
 * and then finds its row), then the conditional UPDATE. A refused write rolls its inbox row back, so the inbox
 * holds only events that changed an order. An unknown order is refused.
 */
export class SqlDispatchStore implements DispatchStore {
  constructor(private readonly db: SqlDatabase) {}

  dispatch(orderId: string, driverId: string, eventId: string): Promise<DispatchOutcome> {
    return this.#write(orderId, 'dispatch', eventId, driverId);
  }

  sendToManual(orderId: string, eventId: string): Promise<DispatchOutcome> {
    return this.#write(orderId, 'sendToManual', eventId);
  }

  async pickupOf(orderId: string): Promise<GeoPoint | undefined> {
    const [row] = await this.db.query<{ pickup_lat: number; pickup_lng: number }>(`SELECT pickup_lat, pickup_lng FROM ${this.db.schema}.orders WHERE id = $1`, [orderId]);
    return row && { lat: Number(row.pickup_lat), lng: Number(row.pickup_lng) };
  }

  async #write(orderId: string, action: OrderAction, eventId: string, driverId?: string): Promise<DispatchOutcome> {
    if (eventId === '' || eventId.length > MAX_EVENT_ID_LENGTH) throw new RangeError(`an event id must be 1 to ${MAX_EVENT_ID_LENGTH} characters long, got ${eventId.length}`);
    const s = this.db.schema;
    try {
      return await this.db.transaction(async (tx) => {
        const recorded = await tx.query(`INSERT INTO ${s}.processed_events (event_id, order_id, action) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`, [eventId, orderId, action]);
        if (recorded.length === 0) return 'duplicate';
        const result = await applyTransition(tx, s, orderId, action, driverId);
        if (result.outcome !== 'applied') throw new Refused();
        return 'applied';
      });
    } catch (err) {
      if (err instanceof Refused) return 'refused';
      throw err;
    }
  }
}
