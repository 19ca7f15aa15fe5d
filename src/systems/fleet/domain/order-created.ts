/** Where an order is picked up, in degrees. */
export interface GeoPoint {
  lat: number;
  lng: number;
}

/** São Paulo's centre: the pickup point of an order created without one, and the seed's fixed search point. */
export const SAO_PAULO_CENTRE: GeoPoint = { lat: -23.5505, lng: -46.6333 };

/** The event the outbox relay publishes for each new order, and the worker consumes. */
export interface OrderCreated {
  id: string;
  /** A decimal string with two places ("12.30"): money never passes through a float. */
  final_price: string;
  pickup: GeoPoint;
}

export const ORDER_CREATED = {
  aggregateType: 'Order',
  eventType: 'OrderCreated',
  version: 1,
  exchange: 'orders_exchange',
  routingKey: 'orders.created',
} as const;

/** The message headers every published event carries. */
export const EVENT_HEADERS = {
  eventId: 'x-event-id',
  eventVersion: 'x-event-version',
  aggregateId: 'x-aggregate-id',
  traceparent: 'traceparent',
} as const;
