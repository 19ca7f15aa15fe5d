// Where a RabbitMQ message's time goes, the Bus against the bare amqplib client (src/kit/bus/bench-baseline.ts):
// the same bench run by each in turn, alternating which goes first, and per delivered message the CPU of this
// process (both sides of the bench live in it), the broker's CPU (/proc/<beam.smp>/stat) and the broker's
// Erlang reductions (`rabbitmqctl eval`, as root or with the broker's cookie; a dash without it), with the host's
// steal over each run. Reductions count the broker's work whatever else shares the machine, where CPU seconds
// also count its waiting on a busy host. The figures include the runs' set-up (a connection, a queue declared
// and deleted), which is small against thousands of messages.
//   node --import tsx scripts/amqp-message-cost.ts [pairs, default 5] [queue|rpc, default queue] [max|<rate>, default max] [seconds, default 4]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runBusBench } from '../src/kit/bus/bench.ts';
import { runBaselineBench } from '../src/kit/bus/bench-baseline.ts';
import type { LoadResult } from '../src/kit/loadgen/index.ts';
import { watchHostSteal } from '../src/kit/observe/host-steal.ts';

const [pairs = 5, pattern = 'queue', model = 'max', seconds = 4] = [Number(process.argv[2] ?? 5), process.argv[3], process.argv[4], Number(process.argv[5] ?? 4)];
if (pattern !== 'queue' && pattern !== 'rpc') throw new Error(`pattern is queue or rpc, not ${pattern}`);
const url = process.env.MENSAGEIRO_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const options = { url, pattern, durationMs: seconds * 1_000, rate: model === 'max' ? undefined : Number(model), progress: false } as const;

const brokerPid = (() => {
  try {
    return Number(execFileSync('pgrep', ['-x', 'beam.smp'], { encoding: 'utf8' }).split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
})();
/** The broker's CPU in ms, user and system (the kernel's work for its sockets and files); Linux counts ticks of 10 ms. */
function brokerCpuMs(): { user: number; system: number } | undefined {
  if (brokerPid === undefined) return undefined;
  const fields = readFileSync(`/proc/${brokerPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}
function brokerReductions(): number | undefined {
  try {
    const out = execFileSync('rabbitmqctl', ['eval', 'erlang:statistics(exact_reductions).'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return Number(/\{(\d+),/.exec(out)?.[1]) || undefined;
  } catch {
    return undefined;
  }
}

const rows: Record<string, Record<string, number[]>> = {};
const per = (after: number | undefined, before: number | undefined, messages: number) => (after === undefined || before === undefined ? undefined : (after - before) / messages);
const show = (value: number | undefined, digits = 1) => (value === undefined ? '—' : value.toFixed(digits)).padStart(8);

async function measure(side: 'bus' | 'bare'): Promise<void> {
  const run = side === 'bus' ? runBusBench : runBaselineBench;
  await run({ ...options, durationMs: 1_000 }); // warm-up, unmeasured
  const reductions = brokerReductions();
  const steal = watchHostSteal();
  const broker = brokerCpuMs();
  const cpu = process.cpuUsage();
  const result: LoadResult = await run(options);
  const used = process.cpuUsage(cpu);
  const brokerAfter = brokerCpuMs();
  const figures = {
    'msgs/s': result.rps,
    'p99 ms': result.p99,
    'client CPU µs/msg': (used.user + used.system) / result.ok,
    'broker CPU µs/msg': per(brokerAfter && brokerAfter.user + brokerAfter.system, broker && broker.user + broker.system, result.ok / 1_000),
    'of which system': per(brokerAfter?.system, broker?.system, result.ok / 1_000),
    'broker reductions/msg': per(brokerReductions(), reductions, result.ok),
  };
  const stolen = steal.stop();
  for (const [name, value] of Object.entries(figures)) if (value !== undefined) ((rows[side] ??= {})[name] ??= []).push(value);
  process.stdout.write(`${side.padEnd(5)}${Object.values(figures).map((value) => show(value)).join('')}   steal ${stolen?.toFixed(2) ?? '—'} s\n`);
}

process.stdout.write(`${pattern} on RabbitMQ, ${model === 'max' ? 'closed model, 64 VUs' : `${model}/s`}, ${seconds} s runs\n`);
process.stdout.write('side   msgs/s  p99 ms client µs broker µs  its sys  reductions (per message)\n');
for (let pair = 0; pair < pairs; pair++) {
  for (const side of pair % 2 === 0 ? (['bus', 'bare'] as const) : (['bare', 'bus'] as const)) await measure(side);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
process.stdout.write('\nmedians\n');
for (const [side, figures] of Object.entries(rows)) {
  process.stdout.write(`${side.padEnd(5)}${Object.values(figures).map((values) => show(median(values))).join('')}\n`);
}
