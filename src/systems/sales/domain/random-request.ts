import { CATEGORIES, REGIONS } from './catalog.ts';

/** The seed client's request body: field names as its protobuf JSON tags. */
export interface SalesRequestBody {
  region: string;
  category: string;
  start_date: string;
  end_date: string;
  start_hour: number;
  end_hour: number;
}

const HOUR_MS = 3_600_000;
const FIVE_YEARS_HOURS = 365 * 5 * 24;

/**
 * A query like the seed's client sends: a real region and category, a date range within the five years before
 * `now` and an hour window. `random` returns [0, 1), as Math.random does.
 */
export function randomSalesRequest(random: () => number, now: number): SalesRequestBody {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const start = now - Math.floor(random() * FIVE_YEARS_HOURS) * HOUR_MS;
  const end = now - Math.floor(random() * ((now - start) / HOUR_MS + 1)) * HOUR_MS;
  const startHour = Math.floor(random() * 23);
  const endHour = startHour + Math.floor(random() * (24 - startHour));
  return {
    region: pick(REGIONS),
    category: pick(CATEGORIES),
    start_date: new Date(start).toISOString().slice(0, 10),
    end_date: new Date(end).toISOString().slice(0, 10),
    start_hour: startHour,
    end_hour: endHour,
  };
}
