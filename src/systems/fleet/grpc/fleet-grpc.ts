import { join } from 'node:path';
import { type ServiceClientConstructor, type ServiceDefinition, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { packageRoot } from '../../../kit/runtime/package-root.ts';

/** The .proto file, read from the package's sources whether this runs from src/ or dist/. */
export const FLEET_PROTO = join(packageRoot(), 'src', 'systems', 'fleet', 'grpc', 'fleet.proto');
export const FLEET_SERVICE = 'pb.FleetService';

export interface SearchDriverResponse {
  driver_id: string;
  name: string;
  lat: number;
  lng: number;
}

let loaded: ServiceClientConstructor | undefined;

/**
 * The service's client class, made once from the .proto at run time (no generated code). Field names are kept as
 * written (order_id); an absent optional field reads as undefined, an absent plain one as its default.
 */
export function fleetServiceClient(): ServiceClientConstructor {
  if (!loaded) {
    const definition = loadSync(FLEET_PROTO, { keepCase: true, defaults: true, oneofs: true });
    loaded = (loadPackageDefinition(definition).pb as { FleetService: ServiceClientConstructor }).FleetService;
  }
  return loaded;
}

export function fleetServiceDefinition(): ServiceDefinition {
  return fleetServiceClient().service;
}
