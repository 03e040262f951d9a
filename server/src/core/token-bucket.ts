/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most one second's worth, so a
 * provider sees a steady flow and never more than one second's burst. Pure: time is passed in.
 */
export interface TokenBucket {
  /** Takes one token; returns how long to wait (ms) before the hand-off it pays for. */
  take(now: number): number;
}

export function createTokenBucket(ratePerSecond: number, startedAt: number): TokenBucket {
  const capacity = Math.max(1, ratePerSecond);
  let tokens = capacity;
  let refilledAt = startedAt;
  return {
    take(now: number): number {
      tokens = Math.min(capacity, tokens + ((now - refilledAt) / 1000) * ratePerSecond);
      refilledAt = now;
      // Tokens may go below zero: each caller waits for its own token, so waits are queued in order.
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil((-tokens / ratePerSecond) * 1000);
    },
  };
}
