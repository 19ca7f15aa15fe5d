import type { GeoPoint } from '../domain/order-created.ts';
import { type OrderAction, type OrderStatus, transition } from '../domain/order-status.ts';
import type { DispatchOutcome, DispatchStore } from './dispatch-store.ts';

export interface StoredOrder {
  id: string;
  status: OrderStatus;
  driverId?: string;
  pickup: GeoPoint;
}

export interface MemoryDispatchStoreOptions {
  /** Orders held at most; adding more is refused. */
  maxOrders?: number;
  /** Event ids remembered at most; beyond it the oldest are forgotten, as an inbox pruned by age forgets them. */
  maxInbox?: number;
}

/** As the SQL inbox's column. */
const MAX_EVENT_ID_LENGTH = 64;

export class StoreFullError extends Error {
  override name = 'StoreFullError';
}

/**
 * The DispatchStore in a Map: for unit tests, embedded runs and as the reference for its semantics. Each change
 * is one synchronous step (no await between the check and the write), which is what a transaction gives the
 * database: the inbox check, the conditional state change and the inbox record happen together or not at all.
 */
export class MemoryDispatchStore implements DispatchStore {
  readonly #orders = new Map<string, StoredOrder>();
  /** Insertion-ordered, so the oldest event ids are the first to go. */
  readonly #inbox = new Set<string>();
  readonly #maxOrders: number;
  readonly #maxInbox: number;

  constructor(options: MemoryDispatchStoreOptions = {}) {
    this.#maxOrders = options.maxOrders ?? 100_000;
    this.#maxInbox = options.maxInbox ?? 100_000;
  }

  /** A new PENDING order, as the API's create would make it. */
  add(id: string, pickup: GeoPoint): void {
    if (this.#orders.has(id)) throw new Error(`order ${id} exists already`);
    if (this.#orders.size >= this.#maxOrders) throw new StoreFullError(`the store holds at most ${this.#maxOrders} orders`);
    this.#orders.set(id, { id, status: 'PENDING', pickup });
  }

  /** A copy of the order, or undefined. */
  get(id: string): StoredOrder | undefined {
    const order = this.#orders.get(id);
    return order && { ...order, pickup: { ...order.pickup } };
  }

  async dispatch(orderId: string, driverId: string, eventId: string): Promise<DispatchOutcome> {
    return this.#apply(orderId, 'dispatch', eventId, (order) => (order.driverId = driverId));
  }

  async sendToManual(orderId: string, eventId: string): Promise<DispatchOutcome> {
    return this.#apply(orderId, 'sendToManual', eventId);
  }

  /** Cancels an order (the API's action), so that the worker's race with it can be tested. */
  async cancel(orderId: string, eventId: string): Promise<DispatchOutcome> {
    return this.#apply(orderId, 'cancel', eventId);
  }

  async pickupOf(orderId: string): Promise<GeoPoint | undefined> {
    const order = this.#orders.get(orderId);
    return order && { ...order.pickup };
  }

  /** As the SQL store: the inbox keeps only events that changed an order; a refused one leaves no trace. */
  #apply(orderId: string, action: OrderAction, eventId: string, alsoDo?: (order: StoredOrder) => void): DispatchOutcome {
    if (eventId === '' || eventId.length > MAX_EVENT_ID_LENGTH) throw new RangeError(`an event id must be 1 to ${MAX_EVENT_ID_LENGTH} characters long, got ${eventId.length}`);
    if (this.#inbox.has(eventId)) return 'duplicate';
    const order = this.#orders.get(orderId);
    const next = order && transition(order.status, action);
    if (!order || !next) return 'refused';
    this.#remember(eventId);
    order.status = next;
    alsoDo?.(order);
    return 'applied';
  }

  #remember(eventId: string): void {
    this.#inbox.add(eventId);
    if (this.#inbox.size > this.#maxInbox) this.#inbox.delete(this.#inbox.values().next().value as string);
  }
}
