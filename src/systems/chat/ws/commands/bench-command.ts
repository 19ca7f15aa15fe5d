import { loadavg } from 'node:os';
import type { CliIo } from '../../../../kit/cli/args.ts';
import { writeHtmlReport } from '../../../../kit/loadgen/index.ts';
import { type Launch, thisCli } from '../../../../kit/runtime/this-cli.ts';
import { DEFAULTS, MAX_PAIRS, parseWsBenchOptions } from '../bench/bench-options.ts';
import { formatWsBench, pairLine, reportRows, summarize } from '../bench/bench-report.ts';
import { stopRunningServers } from '../bench/bench-servers.ts';
import { SocketIoMissingError } from '../bench/socketio-modules.ts';
import { runWsBench } from '../bench/ws-bench.ts';
import { ChatWsCommandError } from './common.ts';

export const WS_BENCH_HELP = `usage: mensageiro chat ws bench [--scenario all|room,max-rate,idle,persist] [--pairs ${DEFAULTS.pairs}] [--json] [--report FILE]

The WebSocket chat against Socket.IO 4 with @socket.io/redis-adapter, in one run. Each side runs as two
server processes on one Redis (ours: "chat ws server"; theirs: "chat ws socketio-peer", a minimal Socket.IO
server); this process is the load client (ws for ours, socket.io-client for theirs, WebSocket transport only).
Each scenario runs --pairs pairs, alternating which side goes first, each run on fresh servers; it prints
both sides' figures with the host's steal, each pair's ratio (ours / theirs), the medians and each target.
Socket.IO's packages are development dependencies; without them the bench says what to install.

  room       --members (${DEFAULTS.members}) over both instances, --publishers (${DEFAULTS.publishers}) at --rate (${DEFAULTS.rate}/s) for
             --duration (${DEFAULTS.duration}); every delivery to every member counted (lost, duplicates).
             Target: cross-instance delivery p99 ≤ 0.5×, none lost
  max-rate   ${DEFAULTS.perInstance} subscribers per instance, publishing in turn; the rate goes up ×1.25 from --start-rate
             (${DEFAULTS.startRate}/s), --step (${DEFAULTS.step}) each, while delivery p99 ≤ ${DEFAULTS.p99} ms and none is lost.
             Target: the highest such rate ≥ 1.6×
  idle       --connections (${DEFAULTS.connections.toLocaleString('en-US')}) idle connections on one instance; its VmRSS before and after,
             over the count. Target: ≤ 0.45×
  persist    --messages (${DEFAULTS.messages.toLocaleString('en-US')}) pre-filled into a Redis stream, drained by --persisters (${DEFAULTS.persisters})
             into PostgreSQL in batches of each --batch (${DEFAULTS.batch}), against a bare COPY of the same
             rows in transactions of the same size, alternating; rows counted (none lost, none twice).
             --postgres URL (default $MENSAGEIRO_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/postgres);
             each run takes a schema of its own and drops it. Needs no Socket.IO

  --pairs N        pairs per scenario, up to ${MAX_PAIRS} (default ${DEFAULTS.pairs})
  --redis URL      the Redis both sides share (default $MENSAGEIRO_REDIS_URL, else redis://127.0.0.1:6379)
  --report FILE    also an HTML report: each run's delivery latency over time and its histogram
  --json           one JSON document on stdout ({scenarios, summary}); the tables go to stderr
`;

export async function wsBenchCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseWsBenchOptions(argv);
  if (options === 'help') {
    io.stdout.write(WS_BENCH_HELP);
    return 0;
  }
  const log = (line: string) => io.stderr.write(`chat ws bench: ${line}\n`);
  let cli: (args: readonly string[]) => Launch;
  try {
    // persist alone starts no server process: nothing to compile for it.
    cli = thisCli({ compiled: options.scenarios.some((scenario) => scenario !== 'persist'), log });
  } catch (err) {
    throw new ChatWsCommandError((err as Error).message, { cause: err });
  }
  // Ctrl-C: stop the servers of the run under way, then die of the same signal, as an interrupted program should.
  const onSignal = (signal: NodeJS.Signals) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.stderr.write(`\nchat ws bench: ${signal}, stopping the servers…\n`);
    void stopRunningServers().finally(() => process.kill(process.pid, signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const outcomes = await runWsBench(options, cli, log, (scenario, pair) => scenario !== 'persist' && log(pairLine(scenario, pair)));
    (options.json ? io.stderr : io.stdout).write(formatWsBench(outcomes, loadavg()));
    if (options.json) io.stdout.write(`${JSON.stringify({ scenarios: outcomes, summary: outcomes.map(summarize), loadAverage: loadavg() }, (key, value: unknown) => (key === 'timeline' || key === 'histogram' ? undefined : value))}\n`);
    if (options.report) {
      await writeHtmlReport(reportRows(outcomes), options.report, 'mensageiro chat ws bench against Socket.IO');
      log(`report written to ${options.report}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof SocketIoMissingError) throw new ChatWsCommandError(err.message, { cause: err });
    throw new ChatWsCommandError(`the bench stopped: ${(err as Error).message}`, { cause: err });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
