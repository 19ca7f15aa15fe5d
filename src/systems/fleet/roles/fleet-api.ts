import type { FastifyInstance } from 'fastify';
import { closeHttpServer, createHttpServer } from '../../../kit/observe/http-server.ts';
import { listenError } from '../../../kit/observe/listen-error.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import type { RateLimit } from '../../../kit/resilience/keyed-rate-limiter.ts';
import { type FleetStores, openFleetStores, openRelayStores } from '../store/fleet-stores.ts';
import { orderRoutes } from '../web/order-routes.ts';
import { AmqpOutboxPublisher, type AmqpTopology } from './amqp-outbox-publisher.ts';
import { fleetHealth, redisCheck } from './health-checks.ts';
import { OutboxRelay, type RelayOptions } from './outbox-relay.ts';

export const API_PREFIX = '/api/v1';

export interface FleetApiOptions {
  port: number;
  host: string;
  /** As the user typed it, for the suggestion when the port is taken. */
  command: string;
  postgres: string;
  poolSize?: number;
  schema: string;
  amqp: string;
  topology: AmqpTopology;
  /** Checked by /health when given. */
  redis?: string;
  rateLimit?: RateLimit;
  /** Run the outbox relay in this process (the reference's layout); false when relays run on their own. */
  relay: boolean;
  relayOptions: Partial<RelayOptions>;
  log: Logger;
}

export interface RunningFleetApi {
  app: FastifyInstance;
  url: string;
  stores: FleetStores;
  relay: OutboxRelay | undefined;
  close(): Promise<void>;
}

/**
 * `fleet api`: the order API on fastify, /health (PostgreSQL, RabbitMQ and Redis when given: 503 unless all
 * answer) and /metrics, with the outbox relay in the same process unless told otherwise. Migrates the schema
 * first; fails fast when PostgreSQL cannot be reached (RabbitMQ may come later: the outbox holds the events).
 */
export async function startFleetApi(options: FleetApiOptions): Promise<RunningFleetApi> {
  const stores = await openFleetStores({ postgres: options.postgres, poolSize: options.poolSize }, options.schema);
  let relayStores: FleetStores | undefined;
  try {
    relayStores = options.relay ? await openRelayStores(options.postgres, options.schema) : undefined;
  } catch (err) {
    await stores.close();
    throw err;
  }
  const publisher = new AmqpOutboxPublisher(options.amqp, options.topology);
  const relay = relayStores ? new OutboxRelay(relayStores.outbox, publisher, options.log, options.relayOptions) : undefined;
  const redis = options.redis === undefined ? undefined : redisCheck(options.redis);
  const app = createHttpServer({ health: fleetHealth({ db: stores.db, publisher, redis: redis?.check, relay }) });
  const close = async () => {
    await closeHttpServer(app);
    await relay?.stop();
    await publisher.close();
    redis?.close();
    await relayStores?.close();
    await stores.close();
  };
  try {
    await app.register(async (scope) => orderRoutes(scope, { orders: stores.orders, rateLimit: options.rateLimit }), { prefix: API_PREFIX });
    await app.listen({ port: options.port, host: options.host }).catch((err: unknown) => {
      throw listenError(err, options);
    });
    await relay?.start();
  } catch (err) {
    await close();
    throw err;
  }
  const address = app.server.address();
  const url = `http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${typeof address === 'object' && address ? address.port : options.port}`;
  return { app, url, stores, relay, close };
}
