import { randomBytes } from 'node:crypto';
import { Recorder } from '../../../../kit/loadgen/recorder.ts';
import { type LoadResult, summarize } from '../../../../kit/loadgen/result.ts';

export interface DeliveryCounts {
  /** Messages published. */
  sent: number;
  /** sent × members: every member gets every message, its own included. */
  expected: number;
  /** Distinct (message, member) deliveries. */
  delivered: number;
  /** Expected and never received. */
  lost: number;
  /** Received again by a member that already had it. */
  duplicates: number;
  /** Error frames and drops the servers reported while measuring. */
  errors: number;
}

/**
 * Counts every delivery of every bench message to every member. A message's text carries its run, its
 * sequence number, its send time on this process's clock and the publisher's instance, so latency is
 * publish-to-member on one clock and a cross-instance delivery is told from a local one.
 */
export class DeliveryLedger {
  readonly run = randomBytes(4).toString('hex');
  readonly #all: Recorder;
  readonly #cross: Recorder;
  /** Per message, how many times each member got it. */
  readonly #received: Uint8Array[] = [];
  #delivered = 0;
  #duplicates = 0;
  #errors = 0;
  readonly #errorReasons = new Map<string, number>();

  constructor(
    readonly members: number,
    readonly startedAt = performance.now(),
  ) {
    this.#all = new Recorder(startedAt);
    this.#cross = new Recorder(startedAt);
  }

  /** The next message's text, sent now from a connection on `instance`. */
  next(instance: number): string {
    const seq = this.#received.length;
    this.#received.push(new Uint8Array(this.members));
    return `${this.run} ${seq} ${performance.now().toFixed(3)} ${instance}`;
  }

  /** A text reached `member` (on `instance`) at `now`; texts of other runs (probes) are ignored. */
  received(member: number, instance: number, text: string, now = performance.now()): void {
    const [run, seqText, sentText, fromText] = text.split(' ');
    if (run !== this.run) return;
    const counts = this.#received[Number(seqText)];
    if (counts === undefined) return;
    if (counts[member]! > 0) {
      this.#duplicates++;
      counts[member] = Math.min(255, counts[member]! + 1);
      return;
    }
    counts[member] = 1;
    this.#delivered++;
    const latency = now - Number(sentText);
    this.#all.success(now, latency);
    if (Number(fromText) !== instance) this.#cross.success(now, latency);
  }

  error(reason: string): void {
    this.#errors++;
    this.#errorReasons.set(reason, (this.#errorReasons.get(reason) ?? 0) + 1);
  }

  get complete(): boolean {
    return this.#delivered >= this.#received.length * this.members;
  }

  get counts(): DeliveryCounts {
    const expected = this.#received.length * this.members;
    return { sent: this.#received.length, expected, delivered: this.#delivered, lost: expected - this.#delivered, duplicates: this.#duplicates, errors: this.#errors };
  }

  /** The commonest error reasons, most frequent first. */
  get errorReasons(): string[] {
    return [...this.#errorReasons].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([reason, n]) => `${n} × ${reason}`);
  }

  /** Every delivery's latency, or only those that crossed instances, over `durationMs` of publishing. */
  result(name: string, which: 'all' | 'cross', durationMs: number, rate: number): LoadResult {
    return summarize(which === 'all' ? this.#all : this.#cross, { name, model: 'open', durationMs, rate });
  }
}
