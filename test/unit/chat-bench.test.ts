import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/kit/cli/args.ts';
import { DEFAULTS, MAX_CLIENTS, MAX_RUNS, MAX_SERVERS, SCENARIOS, parseBenchOptions, parseScenarios } from '../../src/systems/chat/zmq/bench/bench-options.ts';
import { type BenchReport, benchJson, formatBenchReport } from '../../src/systems/chat/zmq/bench/bench-report.ts';
import { formatRunsSummary, summarizeRuns } from '../../src/systems/chat/zmq/bench/bench-runs.ts';
import { DELIVERY_P99_TARGET_MS, REQUESTS_PER_SECOND_TARGET, STEAL_CAVEAT_SHARE, TARGET_SERVERS, evaluateTargets } from '../../src/systems/chat/zmq/bench/bench-targets.ts';
import { BenchTopology } from '../../src/systems/chat/zmq/bench/bench-topology.ts';
import { DeliveryTracker, deliveryText, parseDeliveryText } from '../../src/systems/chat/zmq/bench/delivery-tracker.ts';
import { SessionPool } from '../../src/systems/chat/zmq/bench/session-pool.ts';
import { benchCommand } from '../../src/systems/chat/zmq/commands/bench-command.ts';
import { chatZmqCommand } from '../../src/systems/chat/zmq/commands/chat-zmq-command.ts';
import type { LoadResult } from '../../src/kit/loadgen/index.ts';

function capture() {
  let out = '';
  let err = '';
  const stream = (append: (s: string) => void) => ({ write: (chunk: string) => (append(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
  return { io: { stdout: stream((s) => (out += s)), stderr: stream((s) => (err += s)) }, out: () => out, err: () => err };
}

describe('chat zmq bench options', () => {
  it('defaults to every scenario, in run order, with the documented defaults', () => {
    const options = parseBenchOptions([]);
    assert.notEqual(options, 'help');
    if (options === 'help') return;
    assert.deepEqual(options.scenarios, [...SCENARIOS]);
    assert.equal(options.clients, DEFAULTS.clients);
    assert.equal(options.servers, DEFAULTS.servers);
    assert.equal(options.rate, DEFAULTS.rate);
    assert.equal(options.json, false);
    assert.equal(options.repSockets, undefined, "the servers' own default");
    assert.equal(options.runs, 1);
    assert.ok(options.durationMs > 0 && options.timeoutMs > 0);
    assert.ok(options.warmupMs > 0, 'each scenario warms up first unless told not to');
  });

  it('reads every option', () => {
    const options = parseBenchOptions(['--json', '--duration', '5s', '--warmup', '0', '--clients', '8', '--rate', '250', '--servers', '5', '--scenario', 'writes', '--timeout', '750ms', '--rep-sockets', '4', '--runs', '3', '--report', 'out.html']);
    assert.deepEqual(options, { json: true, durationMs: 5_000, warmupMs: 0, clients: 8, rate: 250, servers: 5, scenarios: ['writes'], timeoutMs: 750, repSockets: 4, runs: 3, report: 'out.html' });
    assert.throws(() => parseBenchOptions(['--warmup', '5']), /--warmup "5" is not a duration/);
  });

  it('answers --help', () => {
    assert.equal(parseBenchOptions(['--help']), 'help');
    assert.equal(parseBenchOptions(['-h']), 'help');
  });

  it('takes several scenarios, keeping the run order and dropping repeats', () => {
    assert.deepEqual(parseScenarios('delivery,reads,delivery'), ['reads', 'delivery']);
    assert.deepEqual(parseScenarios(' Reads , all '), [...SCENARIOS]);
  });

  for (const argv of [
    ['--scenario', 'latency'],
    ['--scenario', ''],
    ['--clients', '0'],
    ['--clients', '2.5'],
    ['--clients', String(MAX_CLIENTS + 1)],
    ['--servers', String(MAX_SERVERS + 1)],
    ['--servers', '-1'],
    ['--rate', 'fast'],
    ['--rate', '0'],
    ['--duration', '10'],
    ['--timeout', 'soon'],
    ['--runs', '0'],
    ['--runs', String(MAX_RUNS + 1)],
    ['--report', ' '],
    ['--verbose'],
    ['stray'],
  ]) {
    it(`rejects ${argv.join(' ')} as a usage error`, () => {
      assert.throws(() => parseBenchOptions(argv), UsageError);
    });
  }

  it('exits 2 with the help pointer on a usage error, before starting anything', async () => {
    const { io, err } = capture();
    assert.equal(await chatZmqCommand(['bench', '--servers', 'many'], io), 2);
    assert.match(err(), /--servers/);
    assert.match(err(), /mensageiro chat zmq bench --help/);
  });

  it('prints its help on --help', async () => {
    const { io, out } = capture();
    assert.equal(await benchCommand(['--help'], io), 0);
    assert.match(out(), /usage: mensageiro chat zmq bench/);
    assert.match(out(), /--scenario/);
  });
});

describe('chat zmq bench targets', () => {
  it('judges reads and writes separately against the request rate', () => {
    const targets = evaluateTargets({ reads: { rps: REQUESTS_PER_SECOND_TARGET + 1 }, writes: { rps: REQUESTS_PER_SECOND_TARGET - 1 } }, TARGET_SERVERS);
    assert.deepEqual(
      targets.map((t) => [t.scenario, t.pass, t.measured]),
      [
        ['reads', true, REQUESTS_PER_SECOND_TARGET + 1],
        ['writes', false, REQUESTS_PER_SECOND_TARGET - 1],
      ],
    );
    assert.ok(targets.every((t) => t.note === undefined));
  });

  it('counts exactly the target rate as a pass', () => {
    assert.equal(evaluateTargets({ reads: { rps: REQUESTS_PER_SECOND_TARGET } }, TARGET_SERVERS)[0]!.pass, true);
  });

  it('notes when the host took more than 1 % of the CPU time, and leaves the verdict alone', () => {
    const [calm] = evaluateTargets({ delivery: { p99: 3, ok: 100, lost: 0, stealShare: STEAL_CAVEAT_SHARE } }, TARGET_SERVERS);
    assert.equal(calm!.note, undefined);
    const [stolen] = evaluateTargets({ delivery: { p99: 3, ok: 100, lost: 0, stealShare: 0.05 } }, TARGET_SERVERS);
    assert.equal(stolen!.pass, true);
    assert.match(stolen!.note ?? '', /host took 5\.0 % of this machine's CPU time/);
    const [writes] = evaluateTargets({ writes: { rps: 1, stealShare: 0.02 } }, TARGET_SERVERS + 1);
    assert.match(writes!.note ?? '', /servers.*; the host took 2\.0 %/);
    assert.equal(evaluateTargets({ reads: { rps: 1, stealShare: null } }, TARGET_SERVERS)[0]!.note, undefined);
  });

  it('notes when the server count is not the one the targets are set for', () => {
    const [target] = evaluateTargets({ reads: { rps: REQUESTS_PER_SECOND_TARGET * 2 } }, TARGET_SERVERS + 2);
    assert.equal(target!.pass, true);
    assert.match(target!.note ?? '', /servers/);
  });

  it('passes delivery only under the p99 bound and with nothing lost', () => {
    const judge = (p99: number, lost: number) => evaluateTargets({ delivery: { p99, ok: 100, lost } }, TARGET_SERVERS).map((t) => t.pass);
    assert.deepEqual(judge(DELIVERY_P99_TARGET_MS / 2, 0), [true, true]);
    assert.deepEqual(judge(DELIVERY_P99_TARGET_MS, 0), [false, true]);
    assert.deepEqual(judge(DELIVERY_P99_TARGET_MS / 2, 1), [true, false]);
  });

  it('fails delivery when nothing was delivered, whatever the empty percentiles say', () => {
    const targets = evaluateTargets({ delivery: { p99: 0, ok: 0, lost: 0 } }, TARGET_SERVERS);
    assert.deepEqual(targets.map((t) => t.pass), [false, false]);
    assert.equal(targets[0]!.measured, null);
  });

  it('judges only the scenarios that ran', () => {
    assert.deepEqual(evaluateTargets({}, TARGET_SERVERS), []);
    assert.deepEqual(evaluateTargets({ writes: { rps: 1 } }, TARGET_SERVERS).map((t) => t.scenario), ['writes']);
  });
});

describe('chat zmq bench delivery accounting', () => {
  it('carries the run, the sequence number and the send time in the text and reads them back', () => {
    assert.deepEqual(parseDeliveryText(deliveryText('c0ffee', 42, 1234.5678)), { run: 'c0ffee', seq: 42, sentAt: 1234.568 });
    assert.equal(parseDeliveryText('probe 1'), undefined);
    assert.equal(parseDeliveryText(7), undefined);
  });

  it('measures from the send time in the text and counts lost, duplicate and unconfirmed deliveries', () => {
    const tracker = new DeliveryTracker(0, 'run1');
    const [a, b, c, d] = [tracker.send(), tracker.send(), tracker.send(), tracker.send()];
    tracker.received(tracker.text(a, 10), 12); // delivered before its reply
    tracker.accepted(a);
    tracker.accepted(b);
    tracker.accepted(c);
    tracker.failed(d);
    tracker.received(tracker.text(b, 20), 23);
    tracker.received(tracker.text(b, 20), 24); // again
    tracker.received(tracker.text(d, 30), 31); // applied although its request failed
    tracker.received(tracker.text(99, 1), 2); // never sent by this run
    tracker.received(deliveryText('warmup', c, 1), 40); // another run's, on the same channel
    tracker.received('hello', 3);
    assert.equal(tracker.awaiting, 1);
    tracker.finish(50, 10);
    assert.deepEqual(tracker.counts, { sent: 4, accepted: 3, delivered: 3, lost: 1, duplicates: 1, unconfirmed: 1 });
    assert.equal(c, 2);
    const result = tracker.result('delivery', 1_000, 4);
    assert.equal(result.ok, 3);
    assert.equal(result.failed, 1);
    assert.ok(Math.abs(result.max - 3) < 0.01, `max ${result.max}`);
    assert.ok(Math.abs(result.p50 - 2) < 0.01, `p50 ${result.p50}`);
    assert.match(result.errors[0]!.error, /^Lost: /);
  });

  it('does not count a failed request that never arrives as lost', () => {
    const tracker = new DeliveryTracker(0);
    tracker.failed(tracker.send());
    tracker.finish(10, 10);
    assert.equal(tracker.counts.lost, 0);
  });
});

describe('chat zmq bench session pool', () => {
  it('hands each item to one holder and queues the rest in arrival order', async () => {
    const pool = new SessionPool(['x']);
    const first = await pool.take();
    const order: string[] = [];
    const second = pool.take().then((item) => order.push(`second ${item}`));
    const third = pool.take().then((item) => order.push(`third ${item}`));
    assert.equal(pool.waiting, 2);
    pool.give(first);
    await second;
    pool.give('x');
    await third;
    assert.deepEqual(order, ['second x', 'third x']);
    pool.give('x');
    assert.equal(pool.idle, 1);
  });
});

describe('chat zmq bench report', () => {
  const load = (name: string, rps: number, p99: number, extra: Partial<LoadResult> = {}): LoadResult => ({
    name,
    model: 'closed',
    durationMs: 1_000,
    count: rps,
    ok: rps,
    failed: 0,
    rps,
    p50: p99 / 2,
    p90: p99,
    p99,
    p999: p99,
    max: p99,
    mean: p99 / 2,
    errors: [],
    timeline: [],
    histogram: [],
    ...extra,
  });
  const topology = { peakRssMb: 100, cpuSeconds: 1, cores: 1, benchCpuSeconds: 1, hostStealSeconds: 0.25, hostStealShare: 0.0125 };
  const report: BenchReport = {
    options: { durationMs: 1_000, warmupMs: 500, clients: 4, rate: 100, servers: 3, scenarios: ['reads', 'delivery'], timeoutMs: 1_000, runs: 1 },
    roles: ['broker', 'proxy', 'reference', 's1', 's2', 's3'],
    scenarios: [
      { scenario: 'reads', requests: load('reads', REQUESTS_PER_SECOND_TARGET * 2, 1), topology, warmup: load('reads · warm-up', 1, 1) },
      {
        scenario: 'delivery',
        requests: load('delivery requests', 100, 2, { model: 'open' }),
        delivery: load('delivery', 99, DELIVERY_P99_TARGET_MS * 2, { model: 'open', failed: 1, count: 100 }),
        counts: { sent: 100, accepted: 100, delivered: 99, lost: 1, duplicates: 0, unconfirmed: 0 },
        topology,
      },
    ],
    exited: [],
  };

  it('puts every figure and each verdict in one JSON document', () => {
    const json = JSON.parse(JSON.stringify(benchJson(report))) as ReturnType<typeof benchJson>;
    assert.deepEqual(json.results.map((r) => r.name), ['reads · warm-up', 'reads', 'delivery requests', 'delivery']);
    assert.equal(json.scenarios.reads!.warmup!.rps, 1);
    assert.deepEqual(Object.keys(json.scenarios), ['reads', 'delivery']);
    assert.equal(json.scenarios.delivery!.counts!.lost, 1);
    assert.deepEqual(json.scenarios.reads!.topology, topology);
    assert.deepEqual(json.targets.map((t) => [t.scenario, t.pass]), [
      ['reads', true],
      ['delivery', false],
      ['delivery', false],
    ]);
  });

  it('sums several runs up: every run with its steal, the medians, and each target as met in k of n runs', () => {
    const deliveryRun = (p99: number, lost: number, steal: number): BenchReport => ({
      ...report,
      scenarios: [
        { scenario: 'reads', requests: load('reads', REQUESTS_PER_SECOND_TARGET + p99 * 1_000, 1), topology: { ...topology, hostStealSeconds: steal } },
        {
          scenario: 'delivery',
          requests: load('delivery requests', 100, 2, { model: 'open' }),
          delivery: load('delivery', 100, p99, { model: 'open' }),
          counts: { sent: 100, accepted: 100, delivered: 100 - lost, lost, duplicates: 0, unconfirmed: 0 },
          topology: { ...topology, hostStealSeconds: steal },
        },
      ],
    });
    const summary = summarizeRuns([deliveryRun(3, 0, 0.01), deliveryRun(7, 0, 2.5), deliveryRun(4, 1, 0.02)]);
    assert.deepEqual(summary.rows.map((r) => [r.run, r.deliveryP99, r.lost, r.steal.delivery]), [
      [1, 3, 0, 0.01],
      [2, 7, 0, 2.5],
      [3, 4, 1, 0.02],
    ]);
    assert.equal(summary.median.deliveryP99, 4);
    assert.equal(summary.median.reads, REQUESTS_PER_SECOND_TARGET + 4_000);
    assert.equal(summary.median.writes, undefined, 'writes did not run');
    const byTarget = Object.fromEntries(summary.targets.map((t) => [t.target, [t.met, t.of, t.median]]));
    assert.deepEqual(byTarget['publish-to-delivery p99'], [2, 3, 4]);
    assert.deepEqual(byTarget['lost deliveries'], [2, 3, 0]);
    assert.equal(summarizeRuns([deliveryRun(3, 0, 0), deliveryRun(5, 0, 0)]).median.deliveryP99, 4, 'an even count takes the mean of the middle two');
    const text = formatRunsSummary(summary);
    assert.match(text, /3 runs, each on a fresh topology/);
    assert.match(text, /7\.00 \(2\.50\)/);
    assert.match(text, /publish-to-delivery p99 < 5 ms: met in 2 of 3 runs \(median 4\.000 ms\)/);
  });

  it('shows the table, the delivery counts, the usage and a pass or FAIL per target', () => {
    const text = formatBenchReport(report);
    assert.match(text, /delivery requests/);
    assert.match(text, /1 lost/);
    assert.match(text, /peak RSS MB/);
    assert.match(text, /host steal s/);
    assert.match(text, /0\.25/);
    assert.match(text, /publish-to-delivery p99: the host took 1\.3 % of this machine's CPU time/);
    assert.equal(text.match(/\bpass\b/g)?.length, 1);
    assert.equal(text.match(/\bFAIL\b/g)?.length, 2);
  });
});

describe('chat zmq bench topology', () => {
  it('rejects saying which role failed, and stop() removes its data directory', async () => {
    const topology = new BenchTopology({ cli: (args) => ({ command: process.execPath, args: ['/nonexistent/mensageiro-cli.js', ...args] }), servers: 1 });
    assert.ok(existsSync(topology.dataDir));
    try {
      await assert.rejects(topology.start(), /the (broker|proxy|reference) exited/);
    } finally {
      await topology.stop();
    }
    assert.equal(existsSync(topology.dataDir), false);
    assert.deepEqual(topology.pids(), []);
  });
});
