import { RandomBatch } from './random-batch.ts';

// W3C Trace Context: 00-<trace id, 32 hex>-<span id, 16 hex>-<flags>
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const SPAN_ID = 36;
const FLAGS = 52;

const roots = new RandomBatch(`00-${'x'.repeat(32)}-${'x'.repeat(16)}-01`);
const spanIds = new RandomBatch('x'.repeat(16));

export function newTraceparent(): string {
  return roots.next();
}

/** A new span in the same trace, or a new trace when the parent is missing or malformed. */
export function childTraceparent(parent: string | undefined): string {
  if (parent === undefined || !TRACEPARENT.test(parent)) return newTraceparent();
  return `${parent.slice(0, SPAN_ID)}${spanIds.next()}${parent.slice(FLAGS)}`;
}

export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent !== undefined && TRACEPARENT.test(traceparent) ? traceparent.slice(3, SPAN_ID - 1) : undefined;
}
