import { UsageError, durationOption, parseOptions, positiveInteger, positiveNumber } from '../../../../kit/cli/args.ts';

export const SCENARIOS = ['room', 'max-rate', 'idle', 'persist'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface WsBenchOptions {
  json: boolean;
  report?: string;
  /** In the order they run. */
  scenarios: ScenarioName[];
  /** Runs of each side per scenario, alternating which goes first. */
  pairs: number;
  redisUrl: string;
  room: { members: number; publishers: number; rate: number; durationMs: number };
  maxRate: { perInstance: number; startRate: number; factor: number; maxRate: number; stepMs: number; p99LimitMs: number };
  idle: { connections: number; settleMs: number };
  /** The stream into PostgreSQL against a bare COPY (persist-bench.ts). */
  persist: { postgresUrl: string; messages: number; batchSizes: number[]; persisters: number };
}

export const WS_BENCH_HELP_COMMAND = 'mensageiro chat ws bench --help';
export const MAX_PAIRS = 50;
/** Every instance refuses upgrades beyond its limit; ours is raised to this for the bench. */
export const MAX_IDLE_CONNECTIONS = 50_000;

export const DEFAULTS = { pairs: 3, members: 200, publishers: 4, rate: 1_000, duration: '10s', perInstance: 2, startRate: 250, step: '3s', p99: 10, connections: 10_000, messages: 200_000, batch: '100,1000,5000', persisters: 1 } as const;

export function parseWsBenchOptions(argv: string[]): WsBenchOptions | 'help' {
  const help = WS_BENCH_HELP_COMMAND;
  const { values } = parseOptions(argv, help, {
    scenario: { type: 'string' },
    pairs: { type: 'string' },
    json: { type: 'boolean' },
    report: { type: 'string' },
    redis: { type: 'string' },
    members: { type: 'string' },
    publishers: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    'start-rate': { type: 'string' },
    step: { type: 'string' },
    connections: { type: 'string' },
    messages: { type: 'string' },
    batch: { type: 'string' },
    persisters: { type: 'string' },
    postgres: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const pairs = positiveInteger('--pairs', values.pairs ?? String(DEFAULTS.pairs), help);
  if (pairs > MAX_PAIRS) throw new UsageError(`--pairs takes at most ${MAX_PAIRS}, got ${pairs}`, help);
  const connections = positiveInteger('--connections', values.connections ?? String(DEFAULTS.connections), help);
  if (connections > MAX_IDLE_CONNECTIONS) throw new UsageError(`--connections takes at most ${MAX_IDLE_CONNECTIONS}, got ${connections}`, help);
  const members = positiveInteger('--members', values.members ?? String(DEFAULTS.members), help);
  if (members < 2) throw new UsageError('--members takes 2 or more: the room spans two instances', help);
  if (values.report !== undefined && values.report.trim() === '') throw new UsageError('--report takes a file name, as in --report ws-bench.html', help);
  return {
    json: values.json ?? false,
    ...(values.report === undefined ? {} : { report: values.report }),
    scenarios: parseScenarios(values.scenario ?? 'all'),
    pairs,
    redisUrl: values.redis ?? process.env.MENSAGEIRO_REDIS_URL ?? 'redis://127.0.0.1:6379',
    room: {
      members,
      publishers: Math.min(members, positiveInteger('--publishers', values.publishers ?? String(DEFAULTS.publishers), help)),
      rate: positiveNumber('--rate', values.rate ?? String(DEFAULTS.rate), help),
      durationMs: durationOption('--duration', values.duration ?? DEFAULTS.duration, help),
    },
    maxRate: {
      perInstance: DEFAULTS.perInstance,
      startRate: positiveNumber('--start-rate', values['start-rate'] ?? String(DEFAULTS.startRate), help),
      factor: 1.25,
      maxRate: 200_000,
      stepMs: durationOption('--step', values.step ?? DEFAULTS.step, help),
      p99LimitMs: DEFAULTS.p99,
    },
    idle: { connections, settleMs: 2_000 },
    persist: {
      postgresUrl: values.postgres ?? process.env.MENSAGEIRO_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      messages: positiveInteger('--messages', values.messages ?? String(DEFAULTS.messages), help),
      batchSizes: (values.batch ?? DEFAULTS.batch).split(',').map((b) => positiveInteger('--batch', b.trim(), help)),
      persisters: positiveInteger('--persisters', values.persisters ?? String(DEFAULTS.persisters), help),
    },
  };
}

/** `all`, one name, or several separated by commas; they run in the order room, max-rate, idle, persist. */
export function parseScenarios(value: string): ScenarioName[] {
  const chosen = new Set<ScenarioName>();
  for (const name of value.split(',').map((n) => n.trim().toLowerCase())) {
    if (name === 'all') SCENARIOS.forEach((s) => chosen.add(s));
    else if ((SCENARIOS as readonly string[]).includes(name)) chosen.add(name as ScenarioName);
    else throw new UsageError(`--scenario takes all, ${SCENARIOS.join(', ')} (or several separated by commas), got "${value}"`, WS_BENCH_HELP_COMMAND);
  }
  return SCENARIOS.filter((s) => chosen.has(s));
}
