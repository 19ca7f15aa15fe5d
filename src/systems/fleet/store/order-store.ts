import { formatCents } from '../domain/money.ts';
import { ORDER_CREATED, type OrderCreated } from '../domain/order-created.ts';
import { type OrderAction, type OrderStatus, statusesAllowing, transition } from '../domain/order-status.ts';
import type { NewOrder, Order } from '../domain/order.ts';
import { type SqlDatabase, type SqlQueryable, UNIQUE_VIOLATION, sqlState } from './sql-database.ts';

/** An order with this id exists already. */
export class DuplicateOrderError extends Error {
  override name = 'DuplicateOrderError';
  constructor(readonly id: string) {
    super(`an order with id "${id}" exists already`);
  }
}

/** What a state change did: applied (the order as it is now), refused by the state it found, or no such order. */
export type TransitionResult = { outcome: 'applied'; order: Order } | { outcome: 'refused'; current: OrderStatus } | { outcome: 'missing' };

/** A row of orders as the drivers hand it over: the pickup in two columns, timestamps as Dates. */
interface OrderRow extends Omit<Order, 'pickup' | 'created_at' | 'updated_at'> {
  pickup_lat: number;
  pickup_lng: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = 'id, price, tax, final_price, status, driver_id, pickup_lat, pickup_lng, created_at, updated_at';

/** The orders table, with the OrderCreated outbox row written beside each new order. */
export class OrderStore {
  readonly #s: string;

  constructor(private readonly db: SqlDatabase) {
    this.#s = db.schema;
  }

  /**
   * The order (PENDING) and its OrderCreated outbox row, carrying `traceparent`, in one statement: a statement is
   * one transaction in PostgreSQL, so both rows are written or neither, in one round trip. The outbox's insert
   * trigger NOTIFYs the relays on commit. Rejects with DuplicateOrderError when the id is taken.
   */
  async create(order: NewOrder, traceparent: string): Promise<void> {
    const event: OrderCreated = { id: order.id, final_price: formatCents(order.finalCents), pickup: order.pickup };
    try {
      await this.db.query(
        `WITH created AS (
           INSERT INTO ${this.#s}.orders (id, price, tax, final_price, pickup_lat, pickup_lng) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
         )
         INSERT INTO ${this.#s}.outbox (aggregate_type, aggregate_id, event_type, event_version, payload, topic, tracing_context)
         SELECT $7, id, $8, $9, $10::jsonb, $11, $12::jsonb FROM created`,
        [
          order.id, formatCents(order.priceCents), formatCents(order.taxCents), event.final_price, order.pickup.lat, order.pickup.lng,
          ORDER_CREATED.aggregateType, ORDER_CREATED.eventType, ORDER_CREATED.version, JSON.stringify(event), ORDER_CREATED.routingKey, JSON.stringify({ traceparent }),
        ],
      );
    } catch (err) {
      if (sqlState(err) === UNIQUE_VIOLATION) throw new DuplicateOrderError(order.id);
      throw err;
    }
  }

  async get(id: string): Promise<Order | undefined> {
    const [row] = await this.db.query<OrderRow>(`SELECT ${COLUMNS} FROM ${this.#s}.orders WHERE id = $1`, [id]);
    return row && toOrder(row);
  }

  /** The newest orders first. */
  async recent(limit: number): Promise<Order[]> {
    return (await this.db.query<OrderRow>(`SELECT ${COLUMNS} FROM ${this.#s}.orders ORDER BY created_at DESC LIMIT $1`, [limit])).map(toOrder);
  }

  /**
   * `action` on the order when its state allows it: one conditional UPDATE on the states that allow it, so of two
   * writers racing on one order, the second finds the first's state and is refused when that state does not allow
   * its own action. No lock is held between reading and writing.
   */
  async apply(id: string, action: OrderAction): Promise<TransitionResult> {
    return applyTransition(this.db, this.#s, id, action);
  }
}

/** The conditional UPDATE, shared with the worker's writes (they add the inbox in the same transaction). */
export async function applyTransition(db: SqlQueryable, schema: string, id: string, action: OrderAction, driverId?: string): Promise<TransitionResult> {
  const [row] = await db.query<OrderRow>(
    `UPDATE ${schema}.orders SET status = $2, driver_id = COALESCE($3, driver_id), updated_at = now()
     WHERE id = $1 AND status = ANY($4::text[]) RETURNING ${COLUMNS}`,
    [id, targetOf(action), driverId ?? null, statusesAllowing(action)],
  );
  if (row) return { outcome: 'applied', order: toOrder(row) };
  const [found] = await db.query<{ status: OrderStatus }>(`SELECT status FROM ${schema}.orders WHERE id = $1`, [id]);
  return found ? { outcome: 'refused', current: found.status } : { outcome: 'missing' };
}

/** Every action leads to one state, whichever state allows it. */
function targetOf(action: OrderAction): OrderStatus {
  const target = transition(statusesAllowing(action)[0]!, action);
  if (!target) throw new Error(`no state allows ${action}`);
  return target;
}

function toOrder({ pickup_lat, pickup_lng, created_at, updated_at, ...order }: OrderRow): Order {
  return { ...order, pickup: { lat: Number(pickup_lat), lng: Number(pickup_lng) }, created_at: new Date(created_at).toISOString(), updated_at: new Date(updated_at).toISOString() };
}
