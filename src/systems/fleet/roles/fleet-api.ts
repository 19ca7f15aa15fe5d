import type { FastifyInstance } from 'fastify';
import { closeHttpServer, createHttpServer, listenError } from '../../../kit/observe/http-server.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import type { RateLimit } from '../../../kit/resilience/keyed-rate-limiter.ts';
import { type FleetStores, openFleetStores } from '../store/fleet-stores.ts';
import { orderRoutes } from '../web/order-routes.ts';
import { AmqpOutboxPublisher, type AmqpTopology } from './amqp-outbox-publisher.ts';
import { type HealthCheck, redisCheck, runHealthChecks } from './health-checks.ts';
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
  const publisher = new AmqpOutboxPublisher(options.amqp, options.topology);
  const relay = options.relay ? new OutboxRelay(stores.outbox, publisher, options.log, options.relayOptions) : undefined;
  const redis = options.redis === undefined ? undefined : redisCheck(options.redis);
  const checks: Record<string, HealthCheck> = {
    postgres: async () => ((await stores.db.query('SELECT 1')) && 'ok'),
    rabbitmq: () => publisher.check(),
    ...(redis && { redis: redis.check }),
  };
  const app = createHttpServer({ health: async () => ({ ...(await runHealthChecks(checks)), ...(relay && { relay: relay.stats() }) }) });
  const close = async () => {
    await closeHttpServer(app);
    await relay?.stop();
    await publisher.close();
    redis?.close();
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
