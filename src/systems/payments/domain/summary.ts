import { fromCents } from './money.ts';
import { PaymentRejection } from './payment.ts';
import type { ProcessorName } from './processors.ts';

export interface ProcessorTotals {
  totalRequests: number;
  totalAmountCents: number;
}

export type Summary = Record<ProcessorName, ProcessorTotals>;

export function emptySummary(): Summary {
  return { default: { totalRequests: 0, totalAmountCents: 0 }, fallback: { totalRequests: 0, totalAmountCents: 0 } };
}

/** The contract's JSON: amounts as decimals, computed from cents so no float drift builds up. */
export function summaryJson(summary: Summary): string {
  const part = (t: ProcessorTotals) => `{"totalRequests":${t.totalRequests},"totalAmount":${fromCents(t.totalAmountCents)}}`;
  return `{"default":${part(summary.default)},"fallback":${part(summary.fallback)}}`;
}

export interface TimeRange {
  /** Inclusive bounds in epoch ms; a missing bound is open, as the processors' own summary treats it. */
  fromMs: number;
  toMs: number;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

function bound(name: string, value: string | null, open: number): number {
  if (value === null || value === '') return open;
  const ms = ISO_INSTANT.test(value) ? Date.parse(value.endsWith('Z') || /[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new PaymentRejection(400, `${name} must be an ISO-8601 instant, as in 2025-07-10T12:34:56.000Z`);
  return ms;
}

/** `?from&to` as an inclusive range; either may be absent (then that side is open). */
export function parseTimeRange(from: string | null, to: string | null): TimeRange {
  const range = { fromMs: bound('from', from, Number.NEGATIVE_INFINITY), toMs: bound('to', to, Number.POSITIVE_INFINITY) };
  if (range.fromMs > range.toMs) throw new PaymentRejection(400, 'from is after to: swap them');
  return range;
}
