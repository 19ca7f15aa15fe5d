import type { GeoPoint } from '../domain/order-created.ts';

export interface FoundDriver {
  id: string;
  name: string;
  lat: number;
  lng: number;
}

/**
 * How the worker learns which driver takes an order: the fleet service over gRPC, or, embedded, the driver
 * index in the same process. Chosen once, when the worker is put together.
 */
export interface DriverFinder {
  /**
   * The nearest driver within the search radius of `pickup`, or undefined when there is none. Rejects when the
   * search could not be made (the service unreachable, too slow, or failing); `signal` abandons it.
   */
  find(orderId: string, pickup: GeoPoint, signal?: AbortSignal): Promise<FoundDriver | undefined>;
  close(): Promise<void>;
}
