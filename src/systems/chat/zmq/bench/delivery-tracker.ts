import { randomBytes } from 'node:crypto';
import { Recorder } from '../../../../kit/loadgen/recorder.ts';
import { type LoadResult, summarize } from '../../../../kit/loadgen/result.ts';

/** How long after the last reply a publication may still arrive before it counts as lost. */
export const DELIVERY_GRACE_MS = 2_000;

/** A publication accepted by a server (its request got OK) that the subscriber never received. */
export class LostDeliveryError extends Error {
  override readonly name = 'Lost';
  constructor(graceMs: number) {
    super(`accepted, but not delivered ${graceMs} ms after the last request`);
  }
}

/**
 * The message text of one bench publication: its run (a warm-up and the measured run after it share a channel),
 * its sequence number and its send time on this process's clock.
 */
export function deliveryText(run: string, seq: number, sentAt: number): string {
  return `bench ${run} ${seq} ${sentAt.toFixed(3)}`;
}

export function parseDeliveryText(text: unknown): { run: string; seq: number; sentAt: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^bench (\w+) (\d+) (\d+(?:\.\d+)?)$/.exec(text);
  return match ? { run: match[1]!, seq: Number(match[2]), sentAt: Number(match[3]) } : undefined;
}

export interface DeliveryCounts {
  /** Publish requests sent. */
  sent: number;
  /** Those a server answered OK. */
  accepted: number;
  /** Publications received, once each. */
  delivered: number;
  /** Accepted but never received. */
  lost: number;
  /** Received more than once. */
  duplicates: number;
  /** Received although the request failed (it was applied; its reply was lost or late). */
  unconfirmed: number;
}

type Pending = 'sent' | 'accepted' | 'failed';

/**
 * Accounts for every bench publication: sent, answered, received. Latency is publish-to-delivery, from the
 * send time carried in the text to the moment the subscriber gets it; both ends run in this process.
 */
export class DeliveryTracker {
  readonly #recorder: Recorder;
  /** Sent and not yet received, with what the request's reply said so far. */
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #accepted = 0;
  #delivered = 0;
  #duplicates = 0;
  #unconfirmed = 0;
  #lost = 0;

  constructor(
    readonly startedAt: number,
    /** Tells this run's publications from those of any other run on the same channel. */
    readonly run = randomBytes(4).toString('hex'),
  ) {
    this.#recorder = new Recorder(startedAt);
  }

  /** The text to publish for seq, sent now. */
  text(seq: number, sentAt: number): string {
    return deliveryText(this.run, seq, sentAt);
  }

  /** A new sequence number, just before its request goes out. */
  send(): number {
    const seq = this.#next++;
    this.#pending.set(seq, 'sent');
    return seq;
  }

  accepted(seq: number): void {
    this.#accepted++;
    if (this.#pending.get(seq) === 'sent') this.#pending.set(seq, 'accepted');
  }

  failed(seq: number): void {
    if (this.#pending.get(seq) === 'sent') this.#pending.set(seq, 'failed');
  }

  /** A publication's text arrived at `now`; anything but a bench text is ignored. */
  received(text: unknown, now: number): void {
    const parsed = parseDeliveryText(text);
    if (!parsed || parsed.run !== this.run || parsed.seq >= this.#next) return;
    const state = this.#pending.get(parsed.seq);
    if (state === undefined) {
      this.#duplicates++;
      return;
    }
    this.#pending.delete(parsed.seq);
    if (state === 'failed') this.#unconfirmed++;
    this.#delivered++;
    this.#recorder.success(now, now - parsed.sentAt);
  }

  /** Accepted publications not received yet. */
  get awaiting(): number {
    let n = 0;
    for (const state of this.#pending.values()) if (state === 'accepted') n++;
    return n;
  }

  /** Counts every accepted publication still missing as lost; call once, after the grace period. */
  finish(now: number, graceMs: number): void {
    const lost = new LostDeliveryError(graceMs);
    for (const [seq, state] of this.#pending) {
      if (state !== 'accepted') continue;
      this.#pending.delete(seq);
      this.#lost++;
      this.#recorder.failure(now, lost);
    }
  }

  get counts(): DeliveryCounts {
    return { sent: this.#next, accepted: this.#accepted, delivered: this.#delivered, lost: this.#lost, duplicates: this.#duplicates, unconfirmed: this.#unconfirmed };
  }

  /** Deliveries as a load result: ok are received, failed are lost, rps is received per second over `durationMs`. */
  result(name: string, durationMs: number, rate: number): LoadResult {
    return summarize(this.#recorder, { name, model: 'open', durationMs, rate });
  }
}
