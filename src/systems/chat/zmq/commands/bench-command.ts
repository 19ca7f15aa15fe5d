import type { CliIo } from '../../../../kit/cli/args.ts';
import { hasNodeFlags, runWithNodeFlags } from '../../../../kit/runtime/node-flags.ts';
import { type Launch, thisCli } from '../../../../kit/runtime/this-cli.ts';
import { DEFAULTS, MAX_RUNS, MAX_SERVERS, parseBenchOptions } from '../bench/bench-options.ts';
import { writeHtmlReport } from '../../../../kit/loadgen/index.ts';
import { type BenchReport, benchJson, formatBenchReport, resultsOf } from '../bench/bench-report.ts';
import { formatRunsSummary, summarizeRuns } from '../bench/bench-runs.ts';
import { DELIVERY_P99_TARGET_MS, REQUESTS_PER_SECOND_TARGET } from '../bench/bench-targets.ts';
import { ChatBench, TopologyStartError } from '../bench/chat-bench.ts';
import { DEFAULT_REP_SOCKETS } from '../roles/chat-server.ts';
import { ChatZmqCommandError, ROLE_NODE_FLAGS } from './common.ts';

export const BENCH_HELP = `usage: mensageiro chat zmq bench [--scenario all|reads|writes|delivery] [--duration ${DEFAULTS.duration}] [--warmup ${DEFAULTS.warmup}]
       [--clients ${DEFAULTS.clients}] [--rate ${DEFAULTS.rate}] [--servers ${DEFAULTS.servers}] [--timeout ${DEFAULTS.timeout}]
       [--rep-sockets N] [--runs 1] [--report FILE] [--json]

Starts its own topology as separate processes (broker, proxy, reference and --servers servers, on ports the
system picks, data in a temporary directory removed at the end), logs in --clients users, creates the bench
channels, then runs each scenario for --warmup and again for --duration:

  reads      a closed model: every client, on its own REQ socket through the broker, sends users and
             channels in turn, each waiting for its reply
  writes     the same with publish; a reply comes once the message is on every server
  delivery   an open model: publish requests at --rate from the pool of clients, and one subscriber on the
             channel timing each message from just before its request went out to its arrival; an accepted
             message never received is lost

The warm-up run is reported on its own row and not held to the targets: a fresh process runs its code in
V8's interpreter and compiles it while it serves, which on 2 cores doubles the delivery p99 of the first seconds.
It reports req/s, latency percentiles and errors, the topology's peak memory and CPU time per scenario, and
the targets: reads and writes each ≥ ${REQUESTS_PER_SECOND_TARGET.toLocaleString('en-US')} req/s with 3 servers; delivery p99 < ${DELIVERY_P99_TARGET_MS} ms with 0 lost.
A missed target is a measurement, not a failure: the exit code is 0 unless the topology cannot start (1).

  --scenario S   all (default), reads, writes or delivery; several separated by commas
  --duration D   how long each scenario sends (default ${DEFAULTS.duration})
  --warmup D     how long each scenario runs before the measured run; 0 skips it (default ${DEFAULTS.warmup})
  --clients N    concurrent clients in reads and writes, the publishers' pool in delivery (default ${DEFAULTS.clients})
  --rate N       publish requests per second in delivery (default ${DEFAULTS.rate})
  --servers N    chat servers, up to ${MAX_SERVERS} (default ${DEFAULTS.servers})
  --timeout D    a request unanswered by then fails; it is not resent (default ${DEFAULTS.timeout})
  --rep-sockets N  each server's REP sockets to the broker (default: the server's, ${DEFAULT_REP_SOCKETS}); fewer
                 favour reads, more favour writes and delivery
  --runs N       whole runs, each on a fresh topology, up to ${MAX_RUNS}; above 1, a table of every run with the
                 host's steal, the medians, and each target as "met in k of N runs" (on a shared machine one
                 run's tail can be the host's doing)
  --report FILE  also write an HTML report: every row's latency over time (where a stall or the host's steal
                 shows as a spike) and its histogram
  --json         print one JSON document with every figure and each target's verdict on stdout; the report
                 goes to stderr. With --runs above 1: {runs: [one document per run], summary}
`;

export async function benchCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseBenchOptions(argv);
  if (options === 'help') {
    io.stdout.write(BENCH_HELP);
    return 0;
  }
  const log = (line: string) => io.stderr.write(`chat zmq bench: ${line}\n`);
  let cli: (args: readonly string[]) => Launch;
  try {
    cli = thisCli({ compiled: true, nodeFlags: ROLE_NODE_FLAGS, log });
  } catch (err) {
    throw new ChatZmqCommandError((err as Error).message, { cause: err });
  }
  // The load generator and the subscriber are on every measured path too: they collect garbage as the roles do.
  if (!hasNodeFlags(ROLE_NODE_FLAGS)) return runWithNodeFlags(cli(['chat', 'zmq', 'bench', ...argv]), io);

  let bench: ChatBench | undefined;
  let interrupted: NodeJS.Signals | undefined;
  // Ctrl-C: stop every role and remove the data, then die of the same signal, as an interrupted program should.
  const onSignal = (signal: NodeJS.Signals) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    interrupted = signal;
    io.stderr.write(`\nchat zmq bench: ${signal}, stopping the topology…\n`);
    void (bench?.stop() ?? Promise.resolve()).finally(() => process.kill(process.pid, signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const reports: BenchReport[] = [];
  try {
    for (let run = 1; run <= options.runs && !interrupted; run++) {
      if (options.runs > 1) log(`run ${run} of ${options.runs}`);
      bench = new ChatBench(options, cli, log);
      try {
        reports.push(await bench.run());
      } finally {
        await bench.stop();
      }
      const report = reports.at(-1)!;
      const heading = options.runs > 1 ? `run ${run} of ${options.runs}\n` : '';
      (options.json ? io.stderr : io.stdout).write(`${heading}${formatBenchReport(report)}`);
      if (options.json && options.runs === 1) io.stdout.write(`${JSON.stringify(benchJson(report))}\n`);
    }
    if (options.report) {
      const rows = reports.flatMap((report, i) => resultsOf(report).map((result) => (options.runs > 1 ? { ...result, name: `run ${i + 1}: ${result.name}` } : result)));
      await writeHtmlReport(rows, options.report, 'mensageiro chat zmq bench');
      log(`report written to ${options.report}`);
    }
    if (options.runs > 1) {
      const summary = summarizeRuns(reports);
      (options.json ? io.stderr : io.stdout).write(`\n${formatRunsSummary(summary)}`);
      if (options.json) io.stdout.write(`${JSON.stringify({ runs: reports.map(benchJson), summary })}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof TopologyStartError) throw new ChatZmqCommandError(`the topology did not start: ${err.message}`, { cause: err });
    throw new ChatZmqCommandError(`the bench stopped: ${(err as Error).message}`, { cause: err });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
