import type { Bus } from '../../../kit/bus/bus.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { COMPLETED_TOPIC, type Completed } from '../domain/protocol.ts';

/** A batch older than this goes out with the next completion, even if the event loop has not come round. */
const MAX_BATCH_AGE_MS = 1;

/**
 * Tells the balancer which requests this worker finished. Ids finished in the same turn of the event loop travel
 * in one message, so under load a report costs a fraction of a message per request. Reports go out at once
 * rather than on a timer: every millisecond of delay counts as outstanding work and makes a fast worker look as
 * loaded as a slow one. The age bound matters on the in-memory bus, where a chain of promise callbacks can keep
 * the event loop from reaching the end of its turn for a long time.
 */
export class CompletionReporter {
  #ids: string[] = [];
  #since = 0;
  #scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly worker: string,
    private readonly log: Logger,
  ) {}

  add(id: string): void {
    if (this.#ids.length === 0) this.#since = performance.now();
    this.#ids.push(id);
    if (performance.now() - this.#since >= MAX_BATCH_AGE_MS) void this.flush();
    else this.#scheduled ??= setImmediate(() => void this.flush());
  }

  async flush(): Promise<void> {
    clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    if (this.#ids.length === 0) return;
    const report: Completed = { worker: this.worker, ids: this.#ids };
    this.#ids = [];
    try {
      await this.bus.publish(COMPLETED_TOPIC, report);
    } catch (err) {
      // The balancer expires what it never hears about, so a lost report costs balance, not requests.
      this.log.warn('could not report completions', { count: report.ids.length, err });
    }
  }
}
