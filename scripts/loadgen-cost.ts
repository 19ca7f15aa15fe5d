// What the load generator itself costs, measured here rather than in the unit tests (which check only what it
// does): the CPU that pacing takes at 1,000 req/s with a no-op task, spin against timer pacing, alternating;
// how far past its duration an open run ends; and how many no-op iterations 4 closed-model VUs complete per
// second when tasks settle in microtasks. Each figure with the host's steal over its run.
//   node --import tsx scripts/loadgen-cost.ts [pairs, default 5]
import { runClosed, runOpen } from '../src/kit/loadgen/index.ts';
import { watchHostSteal } from '../src/kit/observe/host-steal.ts';

const pairs = Number(process.argv[2] ?? 5);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rows: Record<string, number[]> = {};
const record = (name: string, value: number, steal: number | undefined) => {
  (rows[name] ??= []).push(value);
  process.stdout.write(`${name.padEnd(44)} ${value.toFixed(3).padStart(10)}   steal ${steal?.toFixed(2) ?? '—'} s\n`);
};

for (let pair = 0; pair < pairs; pair++) {
  for (const pacing of ['spin', 'timer'] as const) {
    const steal = watchHostSteal();
    const cpu = process.cpuUsage();
    const result = await runOpen({ name: pacing, rate: 1_000, durationMs: 2_000, pacing, progress: false, task: async () => {} });
    const used = process.cpuUsage(cpu);
    const stolen = steal.stop();
    record(`open ${pacing}: CPU s per s of run`, (used.user + used.system) / 1e3 / result.durationMs, stolen);
    record(`open ${pacing}: ms past its 2 s`, result.durationMs - 2_000, stolen);
  }
  const steal = watchHostSteal();
  const instant = await runClosed({ name: 'instant', vus: 4, durationMs: 1_000, progress: false, task: async () => {} });
  record('closed, 4 VUs, no-op tasks: iterations/s', instant.rps, steal.stop());
}
process.stdout.write('\nmedians\n');
for (const [name, values] of Object.entries(rows)) process.stdout.write(`${name.padEnd(44)} ${median(values).toFixed(3).padStart(10)}\n`);
