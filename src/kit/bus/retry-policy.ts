export type RetryDelay = number | ((attempt: number) => number);

export interface RetryPolicy {
  /** Deliveries before a failing message is parked in the dead-letter queue. */
  maxAttempts: number;
  /** Wait before the next attempt; by default 100 ms doubling per attempt, capped at 30 s. */
  retryDelayMs: RetryDelay;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  retryDelayMs: (attempt) => Math.min(100 * 2 ** (attempt - 1), 30_000),
};

export function delayFor(policy: RetryPolicy, attempt: number): number {
  const delay = policy.retryDelayMs;
  return typeof delay === 'number' ? delay : delay(attempt);
}
