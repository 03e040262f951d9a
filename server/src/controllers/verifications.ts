import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { renderVerificationPage, type VerificationPage } from '../core/verification-page';
import type { CodeRefusal } from '../core/verification';
import { getService } from '../utils/plugin';
import { answer } from './admin-params';
import { admitted, clientIp } from './rate-limited';

/**
 * The student's side of verification (public, `auth: false`, rate-limited per client IP and per
 * verification, across instances: services/rate-limits.ts):
 * - GET /verifications/confirm shows the emailed link's page, whose button POSTs the token (so
 *   that a mail scanner opening the link confirms nothing);
 * - POST /verifications/confirm confirms a link's token, or an SMS code with its number (JSON);
 * - GET and POST /verifications/code/:id are the texted code's page and its form.
 */

type ConfirmBody = { token?: unknown; address?: unknown; code?: unknown };

const bodyOf = (ctx: Context): ConfirmBody => ((ctx.request as { body?: unknown }).body ?? {}) as ConfirmBody;

function sendPage(ctx: Context, page: VerificationPage, status = 200): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Robots-Tag', 'noindex');
  ctx.body = renderVerificationPage(page);
}

/** A JSON caller gets JSON; a browser's form gets the page. */
function tooMany(ctx: Context): void {
  if (ctx.is('urlencoded') || ctx.method === 'GET') return sendPage(ctx, { kind: 'too-many' }, 429);
  ctx.body = { data: null, error: { status: 429, name: 'TooManyRequests', message: 'Too many attempts: wait a while and try again.' } };
}

/** The code page's status for each outcome. */
const CODE_STATUS: Record<CodeRefusal, number> = {
  wrong: 400,
  unknown: 404,
  expired: 410,
  superseded: 410,
  locked: 410,
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** Per client IP, and per verification (or number) when the request names one. */
  const withinLimit = (ctx: Context, target: string | null = null): Promise<boolean> =>
    admitted(
      strapi,
      ctx,
      [{ name: 'confirmPerIp', key: clientIp(ctx) }, ...(target === null ? [] : [{ name: 'confirmPerTarget' as const, key: target }])],
      tooMany,
    );

  return {
    /** GET /verifications/confirm?token=… */
    async show(ctx: Context) {
      if (!(await withinLimit(ctx))) return;
      sendPage(ctx, { kind: 'link', token: typeof ctx.query.token === 'string' ? ctx.query.token : '' });
    },

    /** POST /verifications/confirm { token } | { address, code } */
    async confirm(ctx: Context) {
      const body = bodyOf(ctx);
      const verification = getService(strapi, 'verification');
      if (!(await withinLimit(ctx, verification.limitTargetOf(body)))) return;
      await answer(ctx, () =>
        body.token !== undefined ? verification.confirmLink(body.token) : verification.confirmCode(body.address, body.code),
      );
      if (!ctx.is('urlencoded')) return;
      const data = ctx.body as { data?: { alreadyConfirmed?: boolean }; error?: { message?: string } };
      if (ctx.status < 300) sendPage(ctx, { kind: 'confirmed', already: data.data?.alreadyConfirmed === true });
      else sendPage(ctx, { kind: 'link-refused', message: data.error?.message ?? 'Please try again.' }, ctx.status);
    },

    /** GET /verifications/code/:id: the form for the texted code. */
    async codePage(ctx: Context) {
      if (!(await withinLimit(ctx))) return;
      const known = await getService(strapi, 'verification').isCodeVerification(ctx.params.id);
      if (known) sendPage(ctx, { kind: 'code' });
      else sendPage(ctx, { kind: 'code', refusal: { why: 'unknown', attemptsLeft: 0 } }, 404);
    },

    /** POST /verifications/code/:id { code }: the page again, saying what happened. */
    async confirmCodePage(ctx: Context) {
      if (!(await withinLimit(ctx, `code:${String(ctx.params.id).slice(0, 64)}`))) return;
      const outcome = await getService(strapi, 'verification').confirmCodeOf(ctx.params.id, bodyOf(ctx).code);
      if (outcome.kind === 'confirmed') return sendPage(ctx, { kind: 'confirmed', already: outcome.already });
      sendPage(ctx, { kind: 'code', refusal: outcome }, CODE_STATUS[outcome.why]);
    },
  };
};
