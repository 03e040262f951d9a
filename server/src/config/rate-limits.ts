import { PolicyError, isPlainObject, requirePositiveNumber } from '../core/policy';
import type { RateLimitRule } from '../core/rate-limits';

/**
 * The `rateLimits` section: how many requests the public routes take, counted in the database so
 * that every instance behind a load balancer shares one count (services/rate-limits.ts).
 * - `confirmPerIp`: the verification confirm routes (link, code, the code page), per client IP.
 * - `confirmPerTarget`: the same routes, per verification (or per number, for the JSON code route),
 *   whichever IP asks: a six-digit code cannot be guessed from many addresses at once.
 * - `unsubscribePerIp`: the one-click unsubscribe link, per client IP.
 * The client IP is Koa's `ctx.ip`: behind a proxy, set Strapi's `server.proxy` so it is the student's.
 */
export interface RateLimitsConfig {
  confirmPerIp: RateLimitRule;
  confirmPerTarget: RateLimitRule;
  unsubscribePerIp: RateLimitRule;
}

const KEY = 'deliverability.rateLimits';

function ruleOf(key: string, value: unknown, defaults: RateLimitRule): RateLimitRule {
  if (value !== undefined && value !== null && !isPlainObject(value))
    throw new PolicyError(key, 'an object { limit, windowSeconds }', value);
  const rule = (value ?? {}) as Record<string, unknown>;
  return {
    limit: requirePositiveNumber(`${key}.limit`, rule.limit ?? defaults.limit, { integer: true }),
    windowSeconds: requirePositiveNumber(`${key}.windowSeconds`, rule.windowSeconds ?? defaults.windowSeconds, { integer: true }),
  };
}

/** `confirmRatePerMinute` (the older `reactivation` setting) stays the default of `confirmPerIp.limit`. */
export function validateRateLimitsConfig(input: unknown, confirmRatePerMinute: number): RateLimitsConfig {
  if (input !== undefined && input !== null && !isPlainObject(input)) throw new PolicyError(KEY, 'an object', input);
  const section = (input ?? {}) as Record<string, unknown>;
  return {
    confirmPerIp: ruleOf(`${KEY}.confirmPerIp`, section.confirmPerIp, { limit: confirmRatePerMinute, windowSeconds: 60 }),
    confirmPerTarget: ruleOf(`${KEY}.confirmPerTarget`, section.confirmPerTarget, { limit: 10, windowSeconds: 900 }),
    unsubscribePerIp: ruleOf(`${KEY}.unsubscribePerIp`, section.unsubscribePerIp, { limit: 30, windowSeconds: 60 }),
  };
}
