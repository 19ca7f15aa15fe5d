import type { RetryPolicy } from '../../../../kit/bus/retry-policy.ts';

export interface BackoffSettings {
  /** Tries after the first; then the message is parked. */
  retries: number;
  /** The first retry waits up to this… */
  baseMs: number;
  /** …each later one up to twice the last, never above this. */
  capMs: number;
}

/** The reference's: 3 retries, base 1 s, cap 30 s. */
export const SEED_BACKOFF: BackoffSettings = { retries: 3, baseMs: 1_000, capMs: 30_000 };

/**
 * Exponential back-off with full jitter: after attempt n fails, wait a random time between 0 and
 * min(cap, base × 2^(n−1)), so that retries of many messages that failed together spread out.
 */
export function fullJitter(settings: BackoffSettings, random: () => number = Math.random): (attempt: number) => number {
  return (attempt) => Math.floor(random() * Math.min(settings.capMs, settings.baseMs * 2 ** (attempt - 1)));
}

/** The Bus's retry policy for these settings: the first delivery and `retries` more, jittered between them. */
export function jitteredRetryPolicy(settings: BackoffSettings, random?: () => number): RetryPolicy {
  if (!Number.isInteger(settings.retries) || settings.retries < 0) throw new RangeError(`retries must be a whole number from 0 up, got ${settings.retries}`);
  return { maxAttempts: settings.retries + 1, retryDelayMs: fullJitter(settings, random) };
}
