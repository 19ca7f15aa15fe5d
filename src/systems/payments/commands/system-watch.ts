import { existsSync, readFileSync } from 'node:fs';
import { RssSampler, processTreeUsage } from '../../../kit/observe/process-usage.ts';
import { CLUSTER_STATE_FILE } from './cluster-command.ts';

export interface SystemUsage {
  /** Highest total RSS sampled over the run (every 250 ms), in MB. */
  memoryPeakMb: number;
  /** CPU seconds the system used during the run. */
  cpuSeconds: number;
  processes: string[];
}

/**
 * Watches the processes `mensageiro payments cluster` started for the system under test (nginx, backends,
 * Redis; not the emulators, not the load generator), when that cluster is running on this machine.
 */
export function watchCluster(): { stop(): SystemUsage } | undefined {
  if (!existsSync(CLUSTER_STATE_FILE)) return undefined;
  try {
    return watchProcesses((JSON.parse(readFileSync(CLUSTER_STATE_FILE, 'utf8')) as { system: Record<string, number> }).system);
  } catch {
    return undefined;
  }
}

/** The same for any processes (`--watch-pids`): a system started some other way, such as a peer's, for a side-by-side run. */
export function watchProcesses(system: Record<string, number>): { stop(): SystemUsage } | undefined {
  const roots = Object.values(system);
  const before = processTreeUsage(roots);
  if (before.pids.length === 0) return undefined;
  const sampler = new RssSampler(() => roots);
  return {
    stop() {
      sampler.stop();
      const after = sampler.sample();
      return { memoryPeakMb: Math.round((sampler.peakBytes / 1024 / 1024) * 10) / 10, cpuSeconds: Math.round(after.cpuMs - before.cpuMs) / 1000, processes: Object.keys(system) };
    },
  };
}
