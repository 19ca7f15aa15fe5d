import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import { Counter } from 'prom-client';
import { registry } from '../../../kit/observe/metrics.ts';
import { createLogger } from '../../../kit/observe/log.ts';
import { SEARCH_RADIUS_KM } from '../domain/geo.ts';
import { type SearchDriverRequest, parseSearchRequest } from '../domain/search-request.ts';
import { type SearchDriverResponse, fleetServiceDefinition } from '../grpc/fleet-grpc.ts';
import type { DriverIndex } from '../store/driver-index.ts';
import { foundDriver } from './local-driver-finder.ts';

const log = createLogger('fleet:service');

const searches = new Counter({
  name: 'fleet_searches_total',
  help: 'SearchDriver calls answered, by outcome (found, not_found, invalid, unavailable).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export interface FleetServiceOptions {
  index: DriverIndex;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  radiusKm?: number;
}

export interface FleetService {
  readonly port: number;
  /** Lets calls in flight finish for up to `graceMs`, then cuts them. */
  close(graceMs?: number): Promise<void>;
}

/** Thrown when the port cannot be bound: the message says which and why. */
export class FleetServiceBindError extends Error {
  override name = 'FleetServiceBindError';
}

/** The gRPC FleetService on `host:port`, searching `index`. */
export async function startFleetService(options: FleetServiceOptions): Promise<FleetService> {
  const radiusKm = options.radiusKm ?? SEARCH_RADIUS_KM;
  const server = new Server();
  server.addService(fleetServiceDefinition(), {
    SearchDriver: (call: ServerUnaryCall<SearchDriverRequest, SearchDriverResponse>, callback: sendUnaryData<SearchDriverResponse>) => {
      searchDriver(options.index, radiusKm, call.request).then(
        (response) => callback(null, response),
        (err: { code: status; details: string }) => callback(err),
      );
    },
  });
  const address = `${options.host ?? '127.0.0.1'}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(new FleetServiceBindError(`cannot listen on ${address}: ${err.message}`)) : resolve(bound),
    ),
  );
  return {
    port,
    close: (graceMs = 2_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** One SearchDriver call: the response, or rejects with the status and details to answer. */
export async function searchDriver(index: DriverIndex, radiusKm: number, request: SearchDriverRequest): Promise<SearchDriverResponse> {
  const search = parseSearchRequest(request);
  if ('problem' in search) {
    searches.labels('invalid').inc();
    throw { code: status.INVALID_ARGUMENT, details: search.problem };
  }
  const { point } = search;
  let nearby;
  try {
    nearby = await index.nearest(point, radiusKm);
  } catch (err) {
    searches.labels('unavailable').inc();
    log.warn('the driver index failed', { orderId: search.orderId, err });
    throw { code: status.UNAVAILABLE, details: 'the driver index cannot be reached; try again' };
  }
  if (!nearby) {
    searches.labels('not_found').inc();
    throw { code: status.NOT_FOUND, details: `no driver within ${radiusKm} km of (${point.lat}, ${point.lng})` };
  }
  searches.labels('found').inc();
  const driver = foundDriver(nearby);
  return { driver_id: driver.id, name: driver.name, lat: driver.lat, lng: driver.lng };
}
