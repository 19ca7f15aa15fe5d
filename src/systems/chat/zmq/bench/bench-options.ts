import { UsageError, durationOption, parseOptions, positiveInteger, positiveNumber } from '../../../../kit/cli/args.ts';

export const SCENARIOS = ['reads', 'writes', 'delivery'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  json: boolean;
  /** How long each scenario sends. */
  durationMs: number;
  /** How long each scenario runs first, reported apart and not held to the targets: V8 is still compiling. */
  warmupMs: number;
  /** Concurrent clients in reads and writes; the pool of publishers in delivery. */
  clients: number;
  /** Publish requests per second in delivery. */
  rate: number;
  servers: number;
  /** In the order they run. */
  scenarios: ScenarioName[];
  /** A request with no reply by then fails (no resend: a bench counts it). */
  timeoutMs: number;
  /** Each server's REP sockets; absent, the server's default. */
  repSockets?: number;
  /** Whole runs, each on a fresh topology; above 1, a summary with the median and how many runs met each target. */
  runs: number;
  /** Also write an HTML report with every row's latency over time and its histogram to this file. */
  report?: string;
}

export const BENCH_HELP_COMMAND = 'mensageiro chat zmq bench --help';

/** More would only measure this machine's scheduler: every server is a process. */
export const MAX_SERVERS = 16;
/** Each client holds two sockets (REQ and SUB) in this one process. */
export const MAX_CLIENTS = 1_024;
/** A run takes a minute or so with the defaults. */
export const MAX_RUNS = 100;

export const DEFAULTS = { duration: '10s', warmup: '5s', clients: 64, rate: 1_000, servers: 3, timeout: '5s' } as const;

/** The command line, checked: a mistake throws a UsageError (exit code 2). `help` when --help was asked for. */
export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  const help = BENCH_HELP_COMMAND;
  const { values } = parseOptions(argv, help, {
    json: { type: 'boolean' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    clients: { type: 'string' },
    rate: { type: 'string' },
    servers: { type: 'string' },
    scenario: { type: 'string' },
    timeout: { type: 'string' },
    'rep-sockets': { type: 'string' },
    runs: { type: 'string' },
    report: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const clients = positiveInteger('--clients', values.clients ?? String(DEFAULTS.clients), help);
  if (clients > MAX_CLIENTS) throw new UsageError(`--clients takes at most ${MAX_CLIENTS}, got ${clients}`, help);
  const runs = positiveInteger('--runs', values.runs ?? '1', help);
  if (runs > MAX_RUNS) throw new UsageError(`--runs takes at most ${MAX_RUNS}, got ${runs}`, help);
  const servers = positiveInteger('--servers', values.servers ?? String(DEFAULTS.servers), help);
  if (servers > MAX_SERVERS) throw new UsageError(`--servers takes at most ${MAX_SERVERS} (each is a process on this machine), got ${servers}`, help);
  return {
    json: values.json ?? false,
    durationMs: durationOption('--duration', values.duration ?? DEFAULTS.duration, help),
    warmupMs: durationOption('--warmup', values.warmup ?? DEFAULTS.warmup, help, true),
    clients,
    rate: positiveNumber('--rate', values.rate ?? String(DEFAULTS.rate), help),
    servers,
    scenarios: parseScenarios(values.scenario ?? 'all'),
    timeoutMs: durationOption('--timeout', values.timeout ?? DEFAULTS.timeout, help),
    runs,
    ...(values['rep-sockets'] === undefined ? {} : { repSockets: positiveInteger('--rep-sockets', values['rep-sockets'], help) }),
    ...(values.report === undefined ? {} : { report: reportFile(values.report) }),
  };
}

/** `all`, one name, or names separated by commas; they always run in the order reads, writes, delivery. */
export function parseScenarios(value: string): ScenarioName[] {
  const names = value.split(',').map((name) => name.trim().toLowerCase());
  const chosen = new Set<ScenarioName>();
  for (const name of names) {
    if (name === 'all') SCENARIOS.forEach((s) => chosen.add(s));
    else if ((SCENARIOS as readonly string[]).includes(name)) chosen.add(name as ScenarioName);
    else throw new UsageError(`--scenario takes all, ${SCENARIOS.join(', ')} (or several separated by commas), got "${value}"`, BENCH_HELP_COMMAND);
  }
  return SCENARIOS.filter((s) => chosen.has(s));
}

function reportFile(value: string): string {
  if (value.trim() === '') throw new UsageError('--report takes a file name, as in --report chat-bench.html', BENCH_HELP_COMMAND);
  return value;
}
