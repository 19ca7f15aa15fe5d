import { readFileSync, readdirSync } from 'node:fs';

export interface ProcessUsage {
  pids: number[];
  /** Resident memory now, summed over the tree. */
  rssBytes: number;
  /** Each process's own peak (VmHWM), summed: an upper bound on the tree's peak. */
  peakRssBytes: number;
  /** User + system CPU time, summed over the tree. */
  cpuMs: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const task of tasks) {
    const list = read(`/proc/${pid}/task/${task}/children`);
    if (list) for (const child of list.trim().split(/\s+/)) if (child) out.push(Number(child));
  }
  return out;
}

function statusKb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/** Memory and CPU of processes and all their descendants, from /proc (Linux only; elsewhere all zeros). */
export function processTreeUsage(roots: number[]): ProcessUsage {
  const seen = new Set<number>();
  const queue = [...roots];
  const usage: ProcessUsage = { pids: [], rssBytes: 0, peakRssBytes: 0, cpuMs: 0 };
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const status = read(`/proc/${pid}/status`);
    const stat = read(`/proc/${pid}/stat`);
    if (!status || !stat) continue;
    usage.pids.push(pid);
    usage.rssBytes += statusKb(status, 'VmRSS') * 1024;
    usage.peakRssBytes += statusKb(status, 'VmHWM') * 1024;
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    usage.cpuMs += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    queue.push(...children(pid));
  }
  return usage;
}

/** Samples a tree's resident memory every `everyMs` and keeps the highest total seen. */
export class RssSampler {
  #peak = 0;
  #timer: NodeJS.Timeout;

  constructor(
    private readonly roots: () => number[],
    everyMs = 250,
  ) {
    this.#timer = setInterval(() => this.sample(), everyMs);
    this.#timer.unref();
    this.sample();
  }

  sample(): ProcessUsage {
    const usage = processTreeUsage(this.roots());
    this.#peak = Math.max(this.#peak, usage.rssBytes);
    return usage;
  }

  get peakBytes(): number {
    return this.#peak;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
