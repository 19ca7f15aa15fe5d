import { type CliIo, UsageError, durationOption, nonNegativeInteger, parseOptions, positiveInteger, redactUrl } from '../../../kit/cli/args.ts';
import { closeHttpServer, createHttpServer } from '../../../kit/observe/http-server.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { createLogger } from '../../../kit/observe/log.ts';
import { DEFAULT_MAX_QUEUE_LENGTH } from '../../../kit/bus/transport.ts';
import { DEFAULT_WORKERS, SALES_REQUESTS_QUEUE, WORKER_ID_PATTERN } from '../domain/protocol.ts';
import { exposeBalancerMetrics, formatWorkerStats } from '../roles/balancer-metrics.ts';
import { SalesBalancer } from '../roles/sales-balancer.ts';
import { SEED_COMPATIBLE_HELP, busUrl, explainQueueArguments, openBus, seedCompatibleQueues, splitList } from './common.ts';

export const BALANCER_HELP = `usage: mensageiro sales balancer [--workers mom-worker-1,mom-worker-2,mom-worker-3] [--bus URL] [--port 9100] [--seed-compatible]

Consumes sales_requests and forwards each request to the healthy worker queue with the fewest outstanding
requests (ties round-robin). Workers that stop sending heartbeats are excluded within 2 s and their queued
requests re-routed. Prints per-worker statistics every --stats-every and serves them on /metrics.

  --workers LIST     worker ids = queue names (default: $WORKER_QUEUES, else ${DEFAULT_WORKERS.join(',')})
  --bus URL          amqp://…, redis://… (default: $RABBITMQ_URL, else $MENSAGEIRO_BUS_URL, else memory://)
  --port N           HTTP port for /metrics and /health (default 9100; 0 picks a free one)
  --prefetch N       requests taken off sales_requests at once (default 100, as in the original)
  --stats-every D    how often to print statistics (default 10s)
${SEED_COMPATIBLE_HELP}`;

export async function balancerCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro sales balancer --help';
  const { values } = parseOptions(argv, help, {
    workers: { type: 'string' },
    bus: { type: 'string' },
    port: { type: 'string' },
    prefetch: { type: 'string' },
    'stats-every': { type: 'string' },
    'seed-compatible': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(BALANCER_HELP);
    return 0;
  }
  const workers = splitList(values.workers ?? process.env.WORKER_QUEUES ?? DEFAULT_WORKERS.join(','));
  if (workers.length === 0) throw new UsageError('list at least one worker: --workers mom-worker-1,mom-worker-2', help);
  const port = values.port === undefined ? 9100 : nonNegativeInteger('--port', values.port, help);
  const prefetch = values.prefetch === undefined ? 100 : positiveInteger('--prefetch', values.prefetch, help);
  const statsEveryMs = durationOption('--stats-every', values['stats-every'] ?? '10s', help);

  const url = busUrl(values.bus);
  const log = createLogger('mom-lb');
  const bad = workers.find((worker) => !WORKER_ID_PATTERN.test(worker));
  if (bad) throw new UsageError(`worker "${bad}" is not a queue name: use letters, digits, dots, dashes or underscores, as in mom-worker-1`, help);
  if (new Set(workers).size !== workers.length) throw new UsageError(`--workers lists a worker twice: ${workers.join(',')}`, help);
  const seedCompatible = values['seed-compatible'];
  const bus = await openBus(url, seedCompatibleQueues(seedCompatible, url, [SALES_REQUESTS_QUEUE, ...workers], help));
  // The seed's queues carry no length bound: the balancer keeps the one the broker would have kept.
  const maxOutstandingPerWorker = seedCompatible ? DEFAULT_MAX_QUEUE_LENGTH : undefined;
  const balancer = new SalesBalancer({ bus, workers, log, prefetch, maxOutstandingPerWorker });
  const app = createHttpServer({ health: () => ({ workers: balancer.stats() }) });
  exposeBalancerMetrics(() => balancer.stats());
  const printer = setInterval(() => io.stdout.write(formatWorkerStats(balancer.stats())), statsEveryMs);
  try {
    await balancer.start().catch((err: unknown) => {
      throw explainQueueArguments(err, seedCompatible);
    });
    await app.listen({ port, host: '0.0.0.0' });
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    io.stdout.write(`🟢 MOM Load Balancer running on ${redactUrl(url)} for ${workers.join(', ')} (metrics on :${boundPort}/metrics)\n`);
    const signal = await untilSignal();
    io.stdout.write(`mom-lb: ${signal}, stopping\n`);
  } finally {
    clearInterval(printer);
    await balancer.stop();
    await closeHttpServer(app);
    await bus.close();
  }
  io.stdout.write(formatWorkerStats(balancer.stats()));
  return 0;
}
