/** One server's answer to the coordinator's `clock` request, timed by the coordinator's own clock. */
export interface ClockReading {
  name: string;
  /** The server's physical time, ms since epoch. */
  time: number;
  sentAt: number;
  receivedAt: number;
}

/** How far the read clock is ahead of the reader's, counting half the round trip as the reply's travel time. */
export function offsetOf(reading: ClockReading): number {
  return reading.time + (reading.receivedAt - reading.sentAt) / 2 - reading.receivedAt;
}

/** Readings further than this from the median are treated as faulty: they are corrected but not averaged in. */
export const BERKELEY_OUTLIER_MS = 10_000;

/**
 * The Berkeley algorithm: estimate each clock's offset from the coordinator's (half the round trip as the
 * reply's travel time), average the sane ones, and tell each server how far to move to reach that average.
 * The coordinator's own reading must be in `readings` (its offset is 0).
 */
export function berkeleyAdjustments(readings: ClockReading[]): Map<string, number> {
  const offsets = readings.map((r) => ({ name: r.name, offset: offsetOf(r) }));
  const sorted = offsets.map((o) => o.offset).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const sane = offsets.filter((o) => Math.abs(o.offset - median) <= BERKELEY_OUTLIER_MS);
  const average = sane.reduce((sum, o) => sum + o.offset, 0) / Math.max(1, sane.length);
  return new Map(offsets.map((o) => [o.name, average - o.offset]));
}

/**
 * Whether a correction is smaller than the uncertainty of the reading it came from: the reply's time is only
 * known to within half the round trip, so moving that clock by less would move it by noise. The coordinator
 * does not send such corrections; under load this spares half the messages of every round.
 */
export function withinReadingError(reading: ClockReading, adjustment: number): boolean {
  return Math.abs(adjustment) <= (reading.receivedAt - reading.sentAt) / 2;
}
