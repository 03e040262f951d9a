/**
 * Fixed-window rate limits, the pure part (services/rate-limits.ts counts in the database). A
 * window is aligned on the epoch, so every instance computes the same one for the same moment.
 */

export interface RateLimitRule {
  /** Requests allowed in one window. */
  limit: number;
  windowSeconds: number;
}

export interface RateWindow {
  startMs: number;
  endMs: number;
}

export function windowOf(rule: RateLimitRule, now: number): RateWindow {
  const size = rule.windowSeconds * 1000;
  const startMs = Math.floor(now / size) * size;
  return { startMs, endMs: startMs + size };
}

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** `hits` counts this request too: the limit-th request is allowed, the next is not, until the window ends. */
export function judgeHits(rule: RateLimitRule, hits: number, now: number): RateVerdict {
  if (hits <= rule.limit) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowOf(rule, now).endMs - now) / 1000)) };
}
