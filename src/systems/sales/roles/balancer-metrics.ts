import { Gauge } from 'prom-client';
import type { MemberStats } from '../../../kit/balance/least-outstanding.ts';
import { registry } from '../../../kit/observe/metrics.ts';

type StatsSource = () => MemberStats<string>[];

let source: StatsSource | undefined;

function gauge(name: string, help: string, value: (stats: MemberStats<string>) => number): void {
  new Gauge({
    name,
    help,
    labelNames: ['worker'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const stats of source?.() ?? []) this.set({ worker: stats.member }, value(stats));
    },
  });
}

gauge('sales_balancer_pending', 'Requests forwarded to the worker that it has not reported finished.', (s) => s.pending);
gauge('sales_balancer_routed', 'Requests forwarded to the worker since the balancer started.', (s) => s.total);
gauge('sales_balancer_worker_healthy', '1 while the worker sends heartbeats, else 0.', (s) => (s.healthy ? 1 : 0));

/** Serves a balancer's per-worker statistics on this process's /metrics. One balancer per process. */
export function exposeBalancerMetrics(stats: StatsSource): void {
  source = stats;
}

/** The seed's periodic print-out, one line per worker. */
export function formatWorkerStats(stats: MemberStats<string>[]): string {
  const lines = stats.map((s) => `${s.healthy ? '🟢' : '🔴'} ${s.member}: Pending=${s.pending}, Total=${s.total}${s.healthy ? '' : ' (down)'}`);
  return `--- 📊 Worker Statistics ---\n${lines.join('\n')}\n`;
}
