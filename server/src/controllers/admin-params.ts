import type { Context } from 'koa';
import { AdminApiError } from '../utils/admin-error';
import { actorOf, type Actor } from '../services/audit';

/** Query-string parsing shared by the admin controllers: strict, so a typo answers 400 instead of being ignored. */

/** A parameter's name, checked against the contract's type for the request (`param<ReportParams>('tz')`). */
export const param = <P extends object>(name: keyof P & string): string => name;

export function queryString(ctx: Context, name: string): string | undefined {
  const value: unknown = ctx.query[name];
  const last: unknown = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined) return undefined;
  // `?type[a]=b` arrives as an object: a value no form sends, refused rather than ignored.
  if (typeof last !== 'string') throw new AdminApiError(400, `${name} must be a single value.`);
  return last.trim() !== '' ? last.trim() : undefined;
}

/** An optional value from a fixed set; anything else is a 400 naming the choices. */
export function oneOf<T extends string>(ctx: Context, name: string, allowed: readonly T[]): T | undefined {
  const value = queryString(ctx, name);
  if (value === undefined || value === 'all') return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new AdminApiError(400, `${name} must be one of: ${allowed.join(', ')}.`);
  }
  return value as T;
}

export function pageParams(ctx: Context, defaults: { pageSize: number; maxPageSize?: number } = { pageSize: 10 }): { page: number; pageSize: number } {
  const max = defaults.maxPageSize ?? 100;
  const int = (name: string, fallback: number, min: number, upper: number): number => {
    const raw = queryString(ctx, name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > upper) throw new AdminApiError(400, `${name} must be a whole number from ${min} to ${upper}.`);
    return n;
  };
  return { page: int('page', 1, 1, 1_000_000), pageSize: int('pageSize', defaults.pageSize, 1, max) };
}

/** The signed-in admin, as the audit trail names them. The policies guarantee there is one. */
export function currentActor(ctx: Context): Actor {
  const actor = actorOf(ctx.state.user as Parameters<typeof actorOf>[0]);
  if (!actor) throw new AdminApiError(403, 'No signed-in admin user.');
  return actor;
}

/**
 * Runs a controller body, answering an `AdminApiError` (or any error carrying a 4xx `status`,
 * such as the send service's refusals) with that status and message in Strapi's error shape.
 */
export async function answer(ctx: Context, body: () => Promise<unknown>): Promise<void> {
  try {
    ctx.body = { data: await body() };
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (error instanceof AdminApiError || (typeof status === 'number' && status >= 400 && status < 500)) {
      ctx.status = status as number;
      // A refusal that names its field (a bulk send's `sourceName`, say) keeps it, so a form can show the message beside that field.
      const field = (error as { field?: unknown }).field;
      const details = typeof field === 'string' ? { details: { field } } : {};
      ctx.body = { data: null, error: { status, name: (error as Error).name, message: (error as Error).message, ...details } };
      return;
    }
    throw error;
  }
}
