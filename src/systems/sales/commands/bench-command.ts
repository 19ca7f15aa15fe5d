import { type CliIo, durationOption, parseOptions, positiveInteger, positiveNumber, redactUrl } from '../../../kit/cli/args.ts';
import { emitResults } from '../../../kit/loadgen/index.ts';
import { createLogger } from '../../../kit/observe/log.ts';
import { formatBenchSummary } from '../bench/bench-summary.ts';
import { runSalesBench } from '../bench/sales-bench.ts';
import { startEmbeddedSales } from '../roles/embedded-sales.ts';
import { SALES_REQUESTS_QUEUE } from '../domain/protocol.ts';
import { SEED_COMPATIBLE_HELP, busUrl, dbPath, openBus, seedCompatibleQueues } from './common.ts';

export const BENCH_HELP = `usage: mensageiro sales bench [--rate 400] [--duration 30s] [--concurrency 15] [--timeout 5s] [--bus URL] [--json]

The original study's client: random queries (a real region and category, a date range within the last five years, an
hour window) sent to sales_requests at a constant rate, each waiting for its reply.

With a memory:// bus (the default) it starts the balancer and three workers (SQL on worker threads) in this
process; with amqp:// or redis:// it drives a cluster already running there ("mensageiro sales cluster").

  --rate N          requests per second (default 400)
  --duration D      how long to send (default 30s)
  --concurrency N   requests in flight at once; the rest wait for a slot, and that wait counts (default 15)
  --timeout D       a request with no answer by then fails (default 5s)
  --warmup D        send at --rate this long first, unmeasured (default 0s)
  --bus URL         amqp://…, redis://… (default: $RABBITMQ_URL, else $MENSAGEIRO_BUS_URL, else memory://)
  --db PATH         embedded only: the database (default: data/sales.db, seeded if missing)
  --json            print {"results":[…]} on stdout; the rest goes to stderr
  --report FILE     also write an HTML report with latency charts
${SEED_COMPATIBLE_HELP}`;

export async function benchCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro sales bench --help';
  const { values } = parseOptions(argv, help, {
    rate: { type: 'string' },
    duration: { type: 'string' },
    concurrency: { type: 'string' },
    timeout: { type: 'string' },
    warmup: { type: 'string' },
    bus: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
    report: { type: 'string' },
    'seed-compatible': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(BENCH_HELP);
    return 0;
  }
  const rate = values.rate === undefined ? 400 : positiveNumber('--rate', values.rate, help);
  const durationMs = durationOption('--duration', values.duration ?? '30s', help);
  const concurrency = values.concurrency === undefined ? 15 : positiveInteger('--concurrency', values.concurrency, help);
  const timeoutMs = durationOption('--timeout', values.timeout ?? '5s', help);
  const warmupMs = values.warmup === undefined ? 0 : durationOption('--warmup', values.warmup, help, true);
  const url = busUrl(values.bus);
  const embedded = url.startsWith('memory:');

  const bus = await openBus(embedded ? 'memory://sales-bench' : url, seedCompatibleQueues(values['seed-compatible'], url, [SALES_REQUESTS_QUEUE], help));
  const system = embedded ? await startEmbeddedSales({ bus, dbPath: dbPath(values.db), log: createLogger('sales') }) : undefined;
  try {
    const where = embedded ? 'embedded' : new URL(url).protocol.replace(/:$/, '');
    io.stderr.write(`sales bench: ${rate} req/s for ${durationMs / 1_000} s, ${concurrency} in flight, on ${embedded ? 'the in-process bus' : redactUrl(url)}\n`);
    if (warmupMs > 0) await runSalesBench({ bus, rate, durationMs: warmupMs, concurrency, timeoutMs, progress: false });
    const result = await runSalesBench({ bus, rate, durationMs, concurrency, timeoutMs, name: `sales ${where} @ ${rate}/s` });
    (values.json ? io.stderr : io.stdout).write(formatBenchSummary(result));
    await emitResults([result.load], { json: values.json, report: values.report, ...io });
    if (result.load.ok === 0) {
      io.stderr.write(`no request succeeded (${result.load.errors[0]?.error ?? 'no answer'}). Is a cluster running on that bus? Start one with: mensageiro sales cluster --bus ${redactUrl(url)}\n`);
      return 1;
    }
    return 0;
  } finally {
    await system?.stop();
    await bus.close({ graceMs: 0 });
  }
}
