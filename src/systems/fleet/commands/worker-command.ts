import { createBus } from '../../../kit/bus/registry.ts';
import { type CliIo, UsageError, durationOption, nonNegativeInteger, parseOptions, positiveInteger, positiveNumber, redactUrl } from '../../../kit/cli/args.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { ORDER_CREATED } from '../domain/order-created.ts';
import { GrpcDriverFinder } from '../grpc/grpc-driver-finder.ts';
import { SEED_BREAKER } from '../roles/fleet-breaker.ts';
import { DispatchWorker } from '../roles/worker/dispatch-worker.ts';
import { SEED_BACKOFF } from '../roles/worker/full-jitter.ts';
import { RedisEventClaims } from '../store/redis-event-claims.ts';
import { FleetCommandError } from './fleet-command-error.ts';
import { metricsOptionHelp, redisUrl, serveMetrics } from './role-options.ts';
import { CRASH_AFTER_COMMIT_ENV, crashAfterCommit, openWorkerStore } from './worker-store.ts';

const seconds = (ms: number) => `${ms / 1000}s`;

export const WORKER_HELP = `usage: mensageiro fleet worker --amqp URL --postgres URL [--schema fleet] [--redis URL] [--fleet 127.0.0.1:50051]
                             [--queue ${ORDER_CREATED.routingKey}] [--prefetch 10] [retry and breaker options]

Consumes OrderCreated events and dispatches each order to the nearest driver the fleet service finds. Each
event passes, outermost first: retries with full-jitter back-off (then the dead-letter queue <queue>.dlq),
the Redis idempotency key (fail closed: with Redis away nothing is handled, the event is retried), the
manual-dispatch fallback, the circuit breaker around SearchDriver, and the store's conditional write with
its inbox. Breaker open → MANUAL_DISPATCH and ack; no driver near → retried, MANUAL_DISPATCH on the last try.

  --amqp URL              the bus the events come on (amqp://user:pass@host:5672; redis:// and memory:// work too)
  --postgres URL          the orders (the DispatchStore)
  --schema S              the PostgreSQL schema of fleet's tables (default fleet)
  --redis URL             idempotency keys (default MENSAGEIRO_REDIS_URL or redis://127.0.0.1:6379)
  --fleet HOST:PORT       the fleet service (default 127.0.0.1:50051); a name resolving to several
                          addresses is balanced round robin
  --queue Q               default ${ORDER_CREATED.routingKey}
  --prefetch N            events handled at once (default 10)
  --retries N             retries after the first delivery (default ${SEED_BACKOFF.retries})
  --retry-base D          first retry within this (default ${seconds(SEED_BACKOFF.baseMs)}), doubling…
  --retry-cap D           …up to this (default ${seconds(SEED_BACKOFF.capMs)})
  --breaker-requests N    calls in the window before the breaker may open (default ${SEED_BREAKER.minimumRequests})
  --breaker-ratio R       failed share that opens it, above 0 up to 1 (default ${SEED_BREAKER.failureRatio})
  --breaker-window D      the counting window (default ${seconds(SEED_BREAKER.windowMs)})
  --breaker-half-open D   open this long before a probe call (default ${seconds(SEED_BREAKER.halfOpenAfterMs)})
  --call-timeout D        a SearchDriver call slower than this fails (default ${seconds(SEED_BREAKER.callTimeoutMs)})
${metricsOptionHelp(26)}`;

export async function workerCommand(argv: string[], io: CliIo): Promise<number> {
  const command = 'mensageiro fleet worker';
  const help = `${command} --help`;
  const { values } = parseOptions(argv, help, {
    amqp: { type: 'string' },
    postgres: { type: 'string' },
    schema: { type: 'string' },
    redis: { type: 'string' },
    fleet: { type: 'string' },
    queue: { type: 'string' },
    prefetch: { type: 'string' },
    retries: { type: 'string' },
    'retry-base': { type: 'string' },
    'retry-cap': { type: 'string' },
    'breaker-requests': { type: 'string' },
    'breaker-ratio': { type: 'string' },
    'breaker-window': { type: 'string' },
    'breaker-half-open': { type: 'string' },
    'call-timeout': { type: 'string' },
    'metrics-port': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(WORKER_HELP);
    return 0;
  }
  if (!values.amqp) throw new UsageError('--amqp is missing: the bus the OrderCreated events come on, as in amqp://guest:guest@127.0.0.1:5672', help);
  if (!values.postgres) throw new UsageError('--postgres is missing: the orders, as in postgres://user@127.0.0.1:5432/fleet', help);
  const ratio = positiveNumber('--breaker-ratio', values['breaker-ratio'] ?? String(SEED_BREAKER.failureRatio), help);
  if (ratio > 1) throw new UsageError(`--breaker-ratio is a share of calls, above 0 up to 1, got ${ratio}`, help);
  const duration = (flag: string, value: string | undefined, fallback: number) => (value === undefined ? fallback : durationOption(flag, value, help));
  const breaker = {
    minimumRequests: values['breaker-requests'] === undefined ? SEED_BREAKER.minimumRequests : positiveInteger('--breaker-requests', values['breaker-requests'], help),
    failureRatio: ratio,
    windowMs: duration('--breaker-window', values['breaker-window'], SEED_BREAKER.windowMs),
    halfOpenAfterMs: duration('--breaker-half-open', values['breaker-half-open'], SEED_BREAKER.halfOpenAfterMs),
    callTimeoutMs: duration('--call-timeout', values['call-timeout'], SEED_BREAKER.callTimeoutMs),
  };
  const backoff = {
    retries: values.retries === undefined ? SEED_BACKOFF.retries : nonNegativeInteger('--retries', values.retries, help),
    baseMs: duration('--retry-base', values['retry-base'], SEED_BACKOFF.baseMs),
    capMs: duration('--retry-cap', values['retry-cap'], SEED_BACKOFF.capMs),
  };
  const prefetch = values.prefetch === undefined ? 10 : positiveInteger('--prefetch', values.prefetch, help);
  const fleet = values.fleet ?? '127.0.0.1:50051';
  const claimsUrl = redisUrl(values.redis, help);

  const opened = await openWorkerStore(values.postgres, values.schema ?? 'fleet');
  const store = process.env[CRASH_AFTER_COMMIT_ENV] === '1' ? crashAfterCommit(opened) : opened;
  const claims = RedisEventClaims.connect(claimsUrl);
  const finder = new GrpcDriverFinder(fleet);
  const closeAll = async () => {
    await finder.close();
    await claims.close();
    await store.close();
  };
  let bus;
  try {
    await claims.ready(5_000).catch((err: unknown) => {
      throw new FleetCommandError(`cannot reach Redis at ${redactUrl(claimsUrl)} (${(err as Error).message}); start one (redis-server) or pass another --redis`);
    });
    bus = await createBus(values.amqp).catch((err: unknown) => {
      throw new FleetCommandError(`cannot open the bus at ${redactUrl(values.amqp!)} (${(err as Error).message}); check that RabbitMQ runs there`);
    });
  } catch (err) {
    await closeAll();
    throw err;
  }
  const stopMetrics = await serveMetrics(values['metrics-port'], command);
  const queue = values.queue ?? ORDER_CREATED.routingKey;
  const worker = await DispatchWorker.start({ bus, queue, prefetch, claims, finder, store, breaker, backoff });
  io.stdout.write(`fleet worker: consuming ${queue} on ${redactUrl(values.amqp)} (prefetch ${prefetch}), fleet service at ${fleet}; Ctrl-C stops it\n`);
  const signal = await untilSignal();
  io.stdout.write(`fleet worker: ${signal}, stopping\n`);
  await worker.close();
  await bus.close();
  await stopMetrics();
  await closeAll();
  return 0;
}
