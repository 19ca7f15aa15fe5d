import { type ServiceClientConstructor, type ServiceError, credentials, status } from '@grpc/grpc-js';
import type { GeoPoint } from '../domain/order-created.ts';
import type { DriverFinder, FoundDriver } from '../roles/driver-finder.ts';
import { FLEET_SERVICE, type SearchDriverResponse, fleetServiceClient } from './fleet-grpc.ts';

export interface GrpcFinderOptions {
  /** Tries per call while the service answers UNAVAILABLE (the reference's 5). */
  maxAttempts?: number;
  /** Retry back-off from this (the reference's 0.1 s)… */
  initialBackoffMs?: number;
  /** …doubling up to this (the reference's 1 s). */
  maxBackoffMs?: number;
  /** A call, its retries included, fails with DEADLINE_EXCEEDED after this long. */
  deadlineMs?: number;
  /** Longest wait between reconnection attempts to a service that went away, so that its return is seen soon. */
  maxReconnectBackoffMs?: number;
}

/** A SearchDriver call that failed: `code` is its gRPC status. */
export class FleetCallError extends Error {
  override name = 'FleetCallError';
  constructor(
    readonly code: status,
    details: string,
  ) {
    super(`SearchDriver failed with ${status[code] ?? code}: ${details}`);
  }
}

/** The fleet service as the worker calls it: round robin over the target's addresses, retries on UNAVAILABLE. */
export class GrpcDriverFinder implements DriverFinder {
  readonly #client: InstanceType<ServiceClientConstructor>;
  readonly #deadlineMs: number;

  constructor(target: string, options: GrpcFinderOptions = {}) {
    const seconds = (ms: number) => `${ms / 1000}s`;
    const maxAttempts = options.maxAttempts ?? 5;
    const retryPolicy = {
      maxAttempts,
      initialBackoff: seconds(options.initialBackoffMs ?? 100),
      maxBackoff: seconds(options.maxBackoffMs ?? 1_000),
      backoffMultiplier: 2,
      retryableStatusCodes: ['UNAVAILABLE'],
    };
    // gRPC takes a retry policy of 2 attempts or more; one attempt is no policy.
    const serviceConfig = {
      loadBalancingConfig: [{ round_robin: {} }],
      methodConfig: [{ name: [{ service: FLEET_SERVICE }], ...(maxAttempts > 1 ? { retryPolicy } : {}) }],
    };
    const Client = fleetServiceClient();
    this.#client = new Client(target, credentials.createInsecure(), {
      'grpc.service_config': JSON.stringify(serviceConfig),
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': options.maxReconnectBackoffMs ?? 2_000,
    });
    this.#deadlineMs = options.deadlineMs ?? 10_000;
  }

  find(orderId: string, pickup: GeoPoint, signal?: AbortSignal): Promise<FoundDriver | undefined> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new FleetCallError(status.CANCELLED, 'abandoned before it was made'));
      const request = { order_id: orderId, lat: pickup.lat, lng: pickup.lng };
      const call = this.#client.SearchDriver!(request, { deadline: Date.now() + this.#deadlineMs }, (err: ServiceError | null, response: SearchDriverResponse) => {
        signal?.removeEventListener('abort', cancel);
        if (!err) resolve({ id: response.driver_id, name: response.name, lat: response.lat, lng: response.lng });
        else if (err.code === status.NOT_FOUND) resolve(undefined);
        else reject(new FleetCallError(err.code, err.details));
      }) as { cancel(): void };
      const cancel = () => call.cancel();
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  async close(): Promise<void> {
    this.#client.close();
  }
}
