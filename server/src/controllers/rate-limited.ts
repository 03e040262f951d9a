import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import type { RateLimitCheck } from '../services/rate-limits';
import { getService } from '../utils/plugin';

/**
 * The public routes' door (services/rate-limits.ts): true when the request may go on; otherwise
 * answers 429 with Retry-After, and `refuse` writes the body in the route's own form (JSON, a page).
 * The refusal is the same whoever the target is, so it tells nothing about other students.
 */
export async function admitted(
  strapi: Core.Strapi,
  ctx: Context,
  checks: RateLimitCheck[],
  refuse: (ctx: Context) => void,
): Promise<boolean> {
  const verdict = await getService(strapi, 'rate-limits').take(checks);
  if (verdict.allowed) return true;
  ctx.status = 429;
  ctx.set('Retry-After', String(verdict.retryAfterSeconds));
  ctx.set('Cache-Control', 'no-store');
  refuse(ctx);
  return false;
}

/** The client's IP as Koa sees it (the proxy's own unless Strapi's `server.proxy` is set). */
export const clientIp = (ctx: Context): string => ctx.ip || 'unknown';
