import { readFileSync } from 'node:fs';

/** Linux counts /proc/stat in USER_HZ ticks, 100 a second on every architecture it exposes to user space. */
const MS_PER_TICK = 10;

/** CPU time the hypervisor gave to others while this machine's vCPUs wanted to run, since boot; undefined off Linux. */
export function stolenCpuMs(): number | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
    const steal = Number(cpu[8]);
    return cpu[0] === 'cpu' && Number.isFinite(steal) ? steal * MS_PER_TICK : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How much CPU time the host stole over a run, in seconds: on a shared virtual machine a benchmark's tail
 * latencies follow it, so a figure is only comparable with others taken at a similar steal.
 */
export function watchHostSteal(): { stop(): number | undefined } {
  const before = stolenCpuMs();
  return {
    stop() {
      const after = stolenCpuMs();
      return before === undefined || after === undefined ? undefined : Math.round(after - before) / 1000;
    },
  };
}
