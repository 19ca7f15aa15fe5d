import type { Bus } from '../../../kit/bus/bus.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import type { Lease } from '../../../kit/store/lease.ts';
import { HEALTH_TOPIC, type HealthReport } from '../domain/health-report.ts';
import { PROCESSORS, type ProcessorName } from '../domain/processors.ts';
import type { ProcessorClient } from './processor-client.ts';

/** How often a process that does not hold the lease tries to take it: a dead holder's lease is free when it expires. */
const ACQUIRE_RETRY_MS = 1_000;

/**
 * The processors allow one service-health call per 5 s each, counted across all callers; a second call in the
 * window is held up to 5 s and a fourth gets 429. So one process of the deployment, the lease holder, asks
 * a little less often than that and publishes what it learns; every instance (itself included) listens.
 */
export class HealthPoller {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly bus: Bus,
    private readonly lease: Lease,
    private readonly clients: Record<ProcessorName, ProcessorClient>,
    private readonly log: Logger,
    private readonly intervalMs = 5_050,
  ) {}

  start(): void {
    const tick = async () => {
      if (this.#stopped) return;
      let held = false;
      try {
        held = await this.lease.acquire();
        if (held) await this.poll();
      } catch (err) {
        this.log.warn('health round failed', { err });
      }
      if (!this.#stopped) this.#timer = setTimeout(() => void tick(), held ? this.intervalMs : Math.min(this.intervalMs, ACQUIRE_RETRY_MS));
    };
    void tick();
  }

  async poll(): Promise<HealthReport> {
    const report: HealthReport = { checkedAt: Date.now(), processors: {} };
    await Promise.all(
      PROCESSORS.map(async (name) => {
        try {
          const health = await this.clients[name].health();
          if (health) report.processors[name] = health;
        } catch (err) {
          // Unreachable counts as failing: nothing should be sent there until it answers again.
          report.processors[name] = { failing: true, minResponseTime: 0 };
          this.log.warn('processor health check failed', { processor: name, err });
        }
      }),
    );
    await this.bus.publish(HEALTH_TOPIC, report);
    return report;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.lease.release().catch(() => undefined);
  }
}
