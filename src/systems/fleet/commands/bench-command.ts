import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { type CliIo, UsageError, durationOption, parseOptions, positiveInteger, positiveNumber } from '../../../kit/cli/args.ts';
import { writeHtmlReport } from '../../../kit/loadgen/index.ts';
import { Supervisor } from '../../../kit/runtime/supervisor.ts';
import { thisCli } from '../../../kit/runtime/this-cli.ts';
import { fleetBenchJson, formatFleetBench } from '../bench/bench-report.ts';
import { deleteTopology } from '../roles/amqp-outbox-publisher.ts';
import { type BenchTarget, runFleetBench } from '../bench/fleet-bench.ts';
import { openPostgres } from '../store/postgres-database.ts';
import type { SqlDatabase } from '../store/sql-database.ts';
import { FleetCommandError, engineSettings } from './common.ts';

export const BENCH_HELP = `usage: mensageiro fleet bench [--rate 500,1000] [--duration 10s] [--warmup 2s] [--pairs 3]
                             [--postgres URL] [--amqp URL] [--url URL] [--json] [--report FILE]

The ingest latency: an open-model load (a constant arrival rate, latency from each request's intended time) of
new orders on POST /api/v1/orders, answered once the order and its outbox row are committed. The target is a
p99 under 5 ms at 1,000 orders/s.

By default it starts two APIs as processes of their own on PostgreSQL and RabbitMQ, each on a fresh schema, with
no rate limit: one with the outbox relay in it, as deployed, and one without (the same insert with nothing
publishing: the floor). It loads them in turn, in pairs whose order alternates, with the host's steal beside each
run; before each run the relay's outbox is left to drain and its queue, which nothing consumes here, emptied.
Both go, with their schemas and queue, at the end.

  --rate N[,N…]    orders per second, one or more (default 500,1000)
  --duration D     each measured run (default 10s)
  --warmup D       unmeasured, at the same rate, before each run (default 2s)
  --pairs N        runs of each API at each rate (default 3)
  --timeout D      a request with no answer by then fails (default 5s)
  --postgres URL   for the APIs it starts (default: $MENSAGEIRO_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/postgres)
  --amqp URL       for the APIs it starts (default: $MENSAGEIRO_AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)
  --url URL        load an API already running there instead (start it with --rate-limit off)
  --json           print {"results": […], "ingest": {"runs", "medians"}} on stdout; the rest goes to stderr
  --report FILE    also write an HTML report with latency charts
`;

const TARGET = { rate: 1_000, p99Ms: 5 };

export async function benchCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro fleet bench --help';
  const { values } = parseOptions(argv, help, {
    rate: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    pairs: { type: 'string' },
    timeout: { type: 'string' },
    postgres: { type: 'string' },
    amqp: { type: 'string' },
    url: { type: 'string' },
    json: { type: 'boolean' },
    report: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(BENCH_HELP);
    return 0;
  }
  const rates = (values.rate ?? '500,1000').split(',').map((rate) => positiveNumber('--rate', rate.trim(), help));
  const durationMs = durationOption('--duration', values.duration ?? '10s', help);
  const warmupMs = values.warmup === undefined ? 2_000 : durationOption('--warmup', values.warmup, help, true);
  const pairs = values.pairs === undefined ? 3 : positiveInteger('--pairs', values.pairs, help);
  const timeoutMs = durationOption('--timeout', values.timeout ?? '5s', help);
  const out = values.json ? io.stderr : io.stdout;
  const log = (line: string) => io.stderr.write(`fleet bench: ${line}\n`);

  const deployment = values.url === undefined ? await startApis(engineSettings(values, help), io, log) : givenApi(values.url, help);
  try {
    log(`${rates.join(' and ')} orders/s, ${pairs} pair${pairs === 1 ? '' : 's'} of ${deployment.targets.map((t) => t.label).join(' / ')}, ${durationMs / 1_000} s each after ${warmupMs / 1_000} s of warm-up`);
    const report = await runFleetBench({ targets: deployment.targets, rates, pairs, durationMs, warmupMs, timeoutMs, progress: Boolean((io.stderr as NodeJS.WriteStream).isTTY), log });
    out.write(formatFleetBench(report, TARGET));
    if (values.json) io.stdout.write(`${JSON.stringify(fleetBenchJson(report))}\n`);
    if (values.report) {
      await writeHtmlReport(report.ingest.runs.map((run) => run.result), values.report);
      log(`report written to ${values.report}`);
    }
    return report.ingest.runs.some((run) => run.result.ok === 0) ? 1 : 0;
  } finally {
    await deployment.stop();
  }
}

interface Deployment {
  targets: BenchTarget[];
  stop(): Promise<void>;
}

function givenApi(url: string, help: string): Deployment {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new UsageError(`--url takes the API's http:// address, as in http://localhost:8000, got "${url}"`, help);
  }
  return { targets: [{ variant: 'given', label: `the API at ${origin}`, url: origin, settle: async () => {} }], stop: async () => {} };
}

/** Two `fleet api` processes through the kit's supervisor, each on its own schema; the relay's with its own exchange and queue. */
async function startApis(engines: ReturnType<typeof engineSettings>, io: CliIo, log: (line: string) => void): Promise<Deployment> {
  const run = randomUUID().replace(/-/g, '').slice(0, 8);
  const topology = { exchange: `fleet.bench.${run}.exchange`, queue: `fleet.bench.${run}.orders`, routingKey: engines.topology.routingKey };
  const variants = [
    { variant: 'relay', label: 'relay in the API', schema: `fleet_bench_${run}_relay`, extra: [] as string[] },
    { variant: 'no-relay', label: 'no relay (the floor)', schema: `fleet_bench_${run}_bare`, extra: ['--no-relay'] },
  ];
  let cli: ReturnType<typeof thisCli>;
  try {
    cli = thisCli({ compiled: true, log });
  } catch (err) {
    throw new FleetCommandError((err as Error).message);
  }
  const db = await openPostgres(engines.postgres, { schema: variants[0]!.schema }).catch((err: unknown) => {
    throw new FleetCommandError((err as Error).message);
  });
  const supervisor = new Supervisor({ stdout: io.stderr, stderr: io.stderr });
  const stop = async () => {
    await supervisor.stop();
    for (const { schema } of variants) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db.close();
    // the broker gone, nothing of ours is left on it to delete
    await deleteTopology(engines.amqp, topology).catch(() => {});
  };
  try {
    const targets: BenchTarget[] = [];
    for (const { variant, label, schema, extra } of variants) {
      const args = ['fleet', 'api', '--port', '0', '--host', '127.0.0.1', '--rate-limit', 'off', '--postgres', engines.postgres, '--amqp', engines.amqp, '--schema', schema];
      supervisor.start({ name: `api-${variant}`, launch: cli([...args, '--exchange', topology.exchange, '--queue', topology.queue, ...extra]), env: { ...process.env, MENSAGEIRO_LOG_LEVEL: 'warn' } });
      const line = await supervisor.ready(`api-${variant}`, /fleet api is up on (http:\/\/[^/\s]+)/, 60_000);
      const url = /(http:\/\/[^/\s]+)/.exec(line)![1]!;
      targets.push({ variant, label, url, settle: variant === 'relay' ? () => drained(db, schema, log).then(() => purge(engines.amqp, topology.queue)) : async () => {} });
    }
    return { targets, stop };
  } catch (err) {
    await stop();
    throw new FleetCommandError((err as Error).message);
  }
}

/** Waits until the relay has published what the last run wrote, so that the next run does not share the cores with it. */
async function drained(db: SqlDatabase, schema: string, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.outbox WHERE status IN ('PENDING', 'PROCESSING')`);
    if ((row?.n ?? 0) === 0) return;
    if (Date.now() > deadline) return log(`the relay still had ${row!.n} events to publish after 120 s; going on`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Empties the relay's queue between runs. Nothing consumes it here (the worker is not part of this bench), and
 * the broker would otherwise carry every earlier run's events, on disk, into the next.
 */
async function purge(url: string, queue: string): Promise<void> {
  const model = await connect(url);
  try {
    await (await model.createChannel()).purgeQueue(queue);
  } finally {
    await model.close().catch(() => {});
  }
}
