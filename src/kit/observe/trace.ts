import { randomBytes } from 'node:crypto';

// W3C Trace Context: 00-<trace id, 32 hex>-<span id, 16 hex>-<flags>
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

let pool = Buffer.alloc(0);
let offset = 0;
function hex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const out = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return out;
}

export function newTraceparent(): string {
  return `00-${hex(16)}-${hex(8)}-01`;
}

/** A new span in the same trace, or a new trace when the parent is missing or malformed. */
export function childTraceparent(parent: string | undefined): string {
  const match = parent ? TRACEPARENT.exec(parent) : null;
  if (!match) return newTraceparent();
  return `00-${match[1]}-${hex(8)}-${match[3]}`;
}

export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}
