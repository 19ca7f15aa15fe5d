import { cpus } from 'node:os';
import { watchHostSteal } from '../../../../kit/observe/host-steal.ts';
import { RssSampler, processTreeUsage } from '../../../../kit/observe/process-usage.ts';

export interface TopologyUsage {
  /** Highest total resident memory of the roles, sampled every 250 ms during the scenario, in MB. */
  peakRssMb: number;
  /** CPU time the roles used during the scenario. */
  cpuSeconds: number;
  /** cpuSeconds over the scenario's wall time: how many cores the topology kept busy. */
  cores: number;
  /** CPU time of this process, the load generator; near the core count it is the bottleneck. */
  benchCpuSeconds: number;
  /** CPU time the host stole from this machine during the scenario (null off Linux): tails follow it. */
  hostStealSeconds: number | null;
  /** hostStealSeconds over the machine's CPU time in the scenario (wall time × its CPUs). */
  hostStealShare: number | null;
}

/** Starts measuring the roles' processes (and their children) until stop(). */
export function watchTopology(pids: () => number[]): { stop(): TopologyUsage } {
  const startedAt = performance.now();
  const cpuBefore = processTreeUsage(pids()).cpuMs;
  const benchBefore = process.cpuUsage();
  const sampler = new RssSampler(pids);
  const steal = watchHostSteal();
  return {
    stop() {
      sampler.stop();
      const after = sampler.sample();
      const bench = process.cpuUsage(benchBefore);
      const cpuSeconds = Math.max(0, after.cpuMs - cpuBefore) / 1_000;
      const wallSeconds = (performance.now() - startedAt) / 1_000;
      const stolen = steal.stop() ?? null;
      return {
        peakRssMb: round(sampler.peakBytes / 1024 / 1024, 1),
        cpuSeconds: round(cpuSeconds, 2),
        cores: wallSeconds > 0 ? round(cpuSeconds / wallSeconds, 2) : 0,
        benchCpuSeconds: round((bench.user + bench.system) / 1e6, 2),
        hostStealSeconds: stolen,
        hostStealShare: stolen === null || wallSeconds <= 0 ? null : round(stolen / (wallSeconds * cpus().length), 4),
      };
    },
  };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
