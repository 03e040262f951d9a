import type { RetryPolicy } from './policy';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * When to re-send after the `failedAttempts`-th soft failure (1 for the first), or `null` when the
 * retry window, counted from the first attempt, is spent.
 *
 * Defaults: 15 min, 30 min, 1 h, 2 h, 4 h, then every 6 h until 72 h after the first attempt.
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  failedAttempts: number,
  firstAttemptAt: number,
  failedAt: number,
): number | null {
  const exponent = Math.max(0, failedAttempts - 1);
  const delay = Math.min(policy.initialDelayMinutes * Math.pow(policy.multiplier, exponent), policy.maxDelayMinutes) * MINUTE;
  const at = failedAt + delay;
  const windowEnd = firstAttemptAt + policy.windowHours * HOUR;
  return at <= windowEnd ? at : null;
}
