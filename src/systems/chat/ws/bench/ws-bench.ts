import { cpus } from 'node:os';
import { watchHostSteal } from '../../../../kit/observe/host-steal.ts';
import { processTreeUsage } from '../../../../kit/observe/process-usage.ts';
import type { Launch } from '../../../../kit/runtime/this-cli.ts';
import { type Connect, connectOurs, socketIoConnect } from './bench-clients.ts';
import type { ScenarioName, WsBenchOptions } from './bench-options.ts';
import { type SideName, startServers } from './bench-servers.ts';
import { type PersistRun, runPersistBench } from './persist-bench.ts';
import { type IdleRun, type MaxRateRun, type RoomRun, type SideUnderTest, runIdle, runMaxRate, runRoom } from './scenarios.ts';

/** One side's run of one scenario, with what the host stole meanwhile and what its servers spent. */
export interface SideRun {
  side: SideName;
  /** Whether it went first in its pair. */
  first: boolean;
  stealSeconds: number | null;
  /** Stolen over the machine's CPU time during the run. */
  stealShare: number | null;
  serverCpuSeconds: number;
  exited: string[];
  room?: RoomRun;
  maxRate?: MaxRateRun;
  idle?: IdleRun;
}

export interface Pair {
  ours: SideRun;
  theirs: SideRun;
}

export interface ScenarioOutcome {
  scenario: ScenarioName;
  /** Why it did not run, when it did not. */
  unavailable?: string;
  pairs: Pair[];
  /** persist: the messages each run wrote, and its runs, stream and floor alternating. */
  persist?: { messages: number; runs: PersistRun[] };
}

/**
 * The chat's WebSocket servers against Socket.IO's, scenario by scenario: `pairs` pairs of runs, each side on
 * fresh server processes (two instances, the same Redis), alternating which side goes first so a drift in the
 * machine's load falls on both alike. This process is the load client; the servers' GC is not its own.
 */
export async function runWsBench(options: WsBenchOptions, cli: (args: readonly string[]) => Launch, log: (line: string) => void, onPair?: (scenario: ScenarioName, pair: Pair) => void): Promise<ScenarioOutcome[]> {
  // persist alone needs no Socket.IO: its packages are loaded only for a scenario against it.
  const againstSocketIo = options.scenarios.some((s) => s !== 'persist');
  const connects: Record<SideName, Connect> = { mensageiro: connectOurs, 'socket.io': againstSocketIo ? await socketIoConnect() : connectOurs };
  const outcomes: ScenarioOutcome[] = [];
  for (const scenario of options.scenarios) {
    if (scenario === 'persist') {
      outcomes.push({ scenario, pairs: [], persist: { messages: options.persist.messages, runs: await runPersist(options, log) } });
      continue;
    }
    const pairs: Pair[] = [];
    for (let i = 0; i < options.pairs; i++) {
      const order: SideName[] = i % 2 === 0 ? ['mensageiro', 'socket.io'] : ['socket.io', 'mensageiro'];
      const runs: Partial<Record<SideName, SideRun>> = {};
      for (const side of order) {
        log(`${scenario}, pair ${i + 1} of ${options.pairs}: ${side}…`);
        runs[side] = await runSide(scenario, side, side === order[0], connects[side], options, cli);
      }
      const pair = { ours: runs.mensageiro!, theirs: runs['socket.io']! };
      pairs.push(pair);
      onPair?.(scenario, pair);
    }
    outcomes.push({ scenario, pairs });
  }
  return outcomes;
}

async function runPersist(options: WsBenchOptions, log: (line: string) => void): Promise<PersistRun[]> {
  const { messages, batchSizes, persisters, postgresUrl } = options.persist;
  log(`persist: ${messages} messages, ${persisters} persister(s), batches ${batchSizes.join(', ')}, ${options.pairs} pairs each`);
  return runPersistBench({ redisUrl: options.redisUrl, postgresUrl, messages, batchSizes, persisters, pairs: options.pairs }, (r) =>
    log(`persist: batch ${r.batchSize} pair ${r.pair} ${r.kind}: ${Math.round(r.rate)} msg/s, ${r.distinct}/${messages} rows, steal ${r.stealSeconds?.toFixed(2) ?? 'n/a'} s`),
  );
}

async function runSide(scenario: Exclude<ScenarioName, 'persist'>, side: SideName, first: boolean, connect: Connect, options: WsBenchOptions, cli: (args: readonly string[]) => Launch): Promise<SideRun> {
  const servers = await startServers(side, { cli, redisUrl: options.redisUrl, instances: 2, maxConnections: options.idle.connections + 1_000 });
  try {
    const target: SideUnderTest = { side, connect, urls: servers.urls, pids: servers.pids };
    const cpuBefore = processTreeUsage(servers.pids).cpuMs;
    const steal = watchHostSteal();
    const startedAt = performance.now();
    const progress = !options.json;
    const result: Partial<SideRun> = {};
    if (scenario === 'room') result.room = await runRoom(target, { ...options.room, progress });
    else if (scenario === 'max-rate') result.maxRate = await runMaxRate(target, { ...options.maxRate, progress });
    else result.idle = await runIdle(target, options.idle);
    const stolen = steal.stop() ?? null;
    const wallSeconds = (performance.now() - startedAt) / 1_000;
    return {
      side,
      first,
      stealSeconds: stolen,
      stealShare: stolen === null ? null : Math.round((stolen / (wallSeconds * cpus().length)) * 10_000) / 10_000,
      serverCpuSeconds: Math.round(Math.max(0, processTreeUsage(servers.pids).cpuMs - cpuBefore)) / 1_000,
      exited: [...servers.exited],
      ...result,
    };
  } finally {
    await servers.stop();
  }
}
