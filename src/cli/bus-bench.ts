import { BASELINE_PATTERNS, type BaselinePair, baselineRatios, runBaselinePairs } from '../kit/bus/bench-baseline.ts';
import { BENCH_PATTERNS, type BenchPattern, type BusBenchOptions, runBusBench } from '../kit/bus/bench.ts';
import { DEFAULT_BUS_URL } from '../kit/bus/registry.ts';
import { type CliIo, UsageError, durationOption, parseOptions, positiveInteger, positiveNumber, redactUrl } from '../kit/cli/args.ts';
import { type LoadResult, emitResults, formatTable, toJson, writeHtmlReport } from '../kit/loadgen/index.ts';
import { EngineError, busUrl, openBus, reason } from './bus-common.ts';

const BENCH_USAGE = `usage: mensageiro bus bench --url URL --pattern topic|queue|rpc (--rate N | --max) --duration 10s [options]

  --url URL          memory://, redis://host:6379 or amqp://user:pass@host:5672 (default: MENSAGEIRO_BUS_URL or ${DEFAULT_BUS_URL})
  --pattern P        rpc: request → echo reply; queue: send → consumer receipt; topic: publish → subscriber receipt
  --rate N           open model: N requests per second, latency measured from each one's intended send time
  --max              closed model: --concurrency virtual users, each sending as soon as its last one completed
  --duration D       how long to run: 500ms, 10s, 2m (default 10s)
  --concurrency N    virtual users for --max (default 64)
  --size BYTES       about this many bytes of JSON body per message (default 128)
  --timeout D        a request or message slower than this fails (default 5s)
  --warmup D         run flat out this long first, unmeasured, to warm the JIT and connections (default 0s)
  --baseline         queue and rpc only: also run the pattern with the engine's bare client (a plain bounded
                     queue, ioredis or amqplib doing the same work), alternating with the bus, and print both and
                     the bus's ratio to it: throughput (kit / bare, target ≥ 0.85) and p99 (target ≤ 1.25)
  --pairs N          with --baseline: this many pairs of runs, medians of their ratios (default 3)
  --json             print one JSON object, {"results":[...]}, on stdout; the rest goes to stderr
                     (with --baseline it also holds "baseline": the pairs' ratios and their medians)
  --report FILE      also write an HTML report with latency charts

Two buses on the URL's engine do the talking; the bench's queue is deleted at the end.
Exit code 0 when requests got through, 1 when none did, 2 on a usage error.
`;

export const THROUGHPUT_TARGET = 0.85;
export const P99_TARGET = 1.25;

export async function benchCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro bus bench --help';
  const { values } = parseOptions(argv, help, {
    url: { type: 'string' },
    pattern: { type: 'string' },
    rate: { type: 'string' },
    max: { type: 'boolean' },
    duration: { type: 'string' },
    concurrency: { type: 'string' },
    size: { type: 'string' },
    timeout: { type: 'string' },
    warmup: { type: 'string' },
    baseline: { type: 'boolean' },
    pairs: { type: 'string' },
    json: { type: 'boolean' },
    report: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(BENCH_USAGE);
    return 0;
  }
  const pattern = values.pattern as BenchPattern | undefined;
  if (!pattern || !BENCH_PATTERNS.includes(pattern)) {
    throw new UsageError(`${pattern ? `"${pattern}" is not a pattern` : '--pattern is missing'}: add --pattern rpc, --pattern queue or --pattern topic`, help);
  }
  if ((values.rate === undefined) === !values.max) {
    throw new UsageError('choose one load model: --rate N (N requests per second) or --max (as fast as --concurrency users can go)', help);
  }
  if (values.baseline && !BASELINE_PATTERNS.includes(pattern)) throw new UsageError(`--baseline covers ${BASELINE_PATTERNS.join(' and ')}: use --pattern queue or --pattern rpc`, help);
  if (values.pairs !== undefined && !values.baseline) throw new UsageError('--pairs goes with --baseline', help);
  const options: BusBenchOptions = {
    url: busUrl(values.url),
    pattern,
    rate: values.rate === undefined ? undefined : positiveNumber('--rate', values.rate, help),
    durationMs: durationOption('--duration', values.duration ?? '10s', help),
    concurrency: values.concurrency === undefined ? undefined : positiveInteger('--concurrency', values.concurrency, help),
    size: values.size === undefined ? undefined : positiveInteger('--size', values.size, help),
    timeoutMs: values.timeout === undefined ? undefined : durationOption('--timeout', values.timeout, help),
    warmupMs: values.warmup === undefined ? undefined : durationOption('--warmup', values.warmup, help, true) || undefined,
    connect: openBus,
  };
  if (values.baseline) {
    const pairs = values.pairs === undefined ? 3 : positiveInteger('--pairs', values.pairs, help);
    return compareWithBaseline(options, pairs, { json: values.json === true, report: values.report }, io);
  }
  const result = await runBusBench(options);
  await emitResults([result], { json: values.json, report: values.report, ...io });
  return nothingGotThrough([result], io) ? 1 : 0;
}

function nothingGotThrough(results: LoadResult[], io: CliIo): boolean {
  const empty = results.find((result) => result.ok === 0);
  if (!empty) return false;
  const why = empty.errors[0]?.error ?? 'no request completed';
  io.stderr.write(`${empty.name}: no request succeeded (${why}). Check that the engine at the URL is up and reachable, or try a lower --rate or a longer --timeout.\n`);
  return true;
}

async function compareWithBaseline(options: BusBenchOptions, pairs: number, output: { json: boolean; report?: string }, io: CliIo): Promise<number> {
  const progress = output.json ? io.stderr : io.stdout;
  let done: BaselinePair[];
  try {
    done = await runBaselinePairs(options, pairs, (pair) => progress.write(pairLine(pair)));
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError(`the bare client failed on ${redactUrl(options.url)} (${reason(err)}). Check that the engine is running and reachable there.`);
  }
  const results = done.flatMap((pair) => [pair.kit.result, pair.bare.result]);
  const ratios = baselineRatios(done);
  const verdict = options.rate === undefined
    ? `throughput ${ratios.throughput.toFixed(2)} of the bare client's (target ≥ ${THROUGHPUT_TARGET}: ${ratios.throughput >= THROUGHPUT_TARGET ? 'met' : 'missed'}); p99 ${ratios.p99.toFixed(2)}×`
    : `p99 ${ratios.p99.toFixed(2)}× the bare client's (target ≤ ${P99_TARGET}: ${ratios.p99 <= P99_TARGET ? 'met' : 'missed'}); throughput ${ratios.throughput.toFixed(2)}`;
  const summary = `${options.pattern} on ${new URL(options.url).protocol.replace(/:$/, '')}, median of ${done.length} pair${done.length === 1 ? '' : 's'}: ${verdict}\n`;
  if (output.json) {
    io.stderr.write(formatTable(results) + summary);
    const baseline = {
      pairs: done.map(({ kit, bare }) => ({ kit: kit.result.name, bare: bare.result.name, throughputRatio: kit.result.rps / bare.result.rps, p99Ratio: kit.result.p99 / bare.result.p99, kitStealSeconds: kit.stealSeconds ?? null, bareStealSeconds: bare.stealSeconds ?? null })),
      throughputRatio: ratios.throughput,
      p99Ratio: ratios.p99,
    };
    io.stdout.write(`${JSON.stringify({ results: results.map(toJson), baseline })}\n`);
  } else {
    io.stdout.write(formatTable(results) + summary);
  }
  if (output.report) {
    await writeHtmlReport(results, output.report);
    io.stderr.write(`report written to ${output.report}\n`);
  }
  return nothingGotThrough(results, io) ? 1 : 0;
}

function pairLine({ kit, bare }: BaselinePair): string {
  const steal = (seconds: number | undefined) => (seconds === undefined ? '—' : `${seconds.toFixed(2)} s`);
  return (
    `pair: bus ${kit.result.rps.toFixed(0)}/s p99 ${kit.result.p99.toFixed(2)} ms (steal ${steal(kit.stealSeconds)}) · ` +
    `bare ${bare.result.rps.toFixed(0)}/s p99 ${bare.result.p99.toFixed(2)} ms (steal ${steal(bare.stealSeconds)}) · ` +
    `ratios ${(kit.result.rps / bare.result.rps).toFixed(2)} / ${(kit.result.p99 / bare.result.p99).toFixed(2)}\n`
  );
}
