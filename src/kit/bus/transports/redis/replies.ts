/** Stream replies as ioredis returns them over RESP2 with Buffer results. */
export interface StreamEntry {
  id: string;
  /** name, value, name, value…; null for an entry deleted while still pending. */
  fields: Buffer[] | null;
}

type RawEntry = [id: Buffer, fields: Buffer[] | null];

/** XRANGE: [[id, fields], …]. */
export function rangeEntries(reply: unknown): StreamEntry[] {
  const entries: StreamEntry[] = [];
  // Redis 6.2's XAUTOCLAIM gives a bare nil for an entry deleted while pending: nothing to deliver.
  for (const entry of (reply as (RawEntry | null)[] | null) ?? []) if (entry) entries.push({ id: entry[0].toString(), fields: entry[1] });
  return entries;
}

/** XREADGROUP on one stream: [[key, [[id, fields], …]]], or null when the block timed out. */
export function readEntries(reply: unknown): StreamEntry[] {
  const streams = reply as [key: Buffer, entries: RawEntry[]][] | null;
  return streams?.[0] ? rangeEntries(streams[0][1]) : [];
}

/** XAUTOCLAIM: [next cursor, [[id, fields], …], deleted ids (Redis 7)]. */
export function autoclaimEntries(reply: unknown): { next: string; entries: StreamEntry[] } {
  const [next, entries] = reply as [Buffer, RawEntry[]];
  return { next: next.toString(), entries: rangeEntries(entries) };
}
