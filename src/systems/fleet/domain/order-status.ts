/** The order's states, as the database's CHECK constraint lists them. */
export const ORDER_STATUSES = ['PENDING', 'DISPATCHED', 'MANUAL_DISPATCH', 'DELIVERED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type OrderAction = 'dispatch' | 'sendToManual' | 'cancel' | 'deliver';

const TRANSITIONS: Record<OrderStatus, Partial<Record<OrderAction, OrderStatus>>> = {
  PENDING: { dispatch: 'DISPATCHED', sendToManual: 'MANUAL_DISPATCH', cancel: 'CANCELLED' },
  MANUAL_DISPATCH: { dispatch: 'DISPATCHED', cancel: 'CANCELLED' },
  DISPATCHED: { deliver: 'DELIVERED', cancel: 'CANCELLED' },
  DELIVERED: {},
  CANCELLED: {},
};

/** The state `action` leads to from `from`, or undefined when the transition is not allowed. */
export function transition(from: OrderStatus, action: OrderAction): OrderStatus | undefined {
  return TRANSITIONS[from][action];
}

/**
 * The states from which `action` is allowed: the `WHERE status = ANY(...)` of the conditional UPDATE that
 * settles a race (a cancel against a dispatch), so exactly one of two racing writers wins.
 */
export function statusesAllowing(action: OrderAction): OrderStatus[] {
  return ORDER_STATUSES.filter((status) => TRANSITIONS[status][action] !== undefined);
}

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}
