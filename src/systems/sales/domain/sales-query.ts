/**
 * A validated analytics query, normalized so that the store can bind it without thinking: dates are
 * `YYYY-MM-DD HH:MM:SS` text, `from` inclusive and `to` exclusive, as the sales table stores them.
 */
export interface SalesQuery {
  region?: string;
  category?: string;
  /** Inclusive lower bound, `YYYY-MM-DD HH:MM:SS`. */
  from?: string;
  /** Exclusive upper bound, `YYYY-MM-DD HH:MM:SS`: an end date given as a day covers that whole day. */
  to?: string;
  /** 0–23. When startHour > endHour the window wraps midnight (22 → 2 is 22, 23, 0, 1, 2). */
  startHour?: number;
  endHour?: number;
  minAmount?: number;
  maxAmount?: number;
  /** Substring of the product's name, matched literally (no wildcards), case-insensitively for ASCII. */
  productKeyword?: string;
  /** Substring of the buyer's first or last name, matched literally. */
  buyerKeyword?: string;
}

/** What the store computes for a query. */
export interface SalesTotals {
  count: number;
  revenue: number;
}

/** The reply body, with the seed's field names. `region_processed` carries the worker id, as in the seed. */
export interface SalesResponse {
  total_sales_count: number;
  total_revenue: number;
  average_amount: number;
  region_processed: string;
}
