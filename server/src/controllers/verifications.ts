import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { createWindowLimiter, type WindowLimiter } from '../core/verification';
import { getService } from '../utils/plugin';
import { answer } from './admin-params';

/**
 * The student's side of verification (public, `auth: false`, rate-limited per client):
 * GET shows the emailed link's page, whose button POSTs the token (so that a mail scanner opening
 * the link confirms nothing); POST confirms a link's token, or an SMS code with its number.
 */

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1>${title}</h1>${body}</body></html>`;

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let limiter: WindowLimiter | null = null;

  /** False (and a 429 answered) when this client has used its requests for the minute. */
  function withinLimit(ctx: Context): boolean {
    limiter ??= createWindowLimiter(getService(strapi, 'config').get().reactivation.confirmRatePerMinute, 60_000);
    const taken = limiter.take(ctx.ip || 'unknown', Date.now());
    if (taken.allowed) return true;
    ctx.status = 429;
    ctx.set('Retry-After', String(Math.ceil(taken.retryAfterMs / 1000)));
    ctx.body = { data: null, error: { status: 429, name: 'TooManyRequests', message: 'Too many attempts: wait a minute and try again.' } };
    return false;
  }

  return {
    /** GET /verifications/confirm?token=… */
    async show(ctx: Context) {
      if (!withinLimit(ctx)) return;
      const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
      ctx.type = 'html';
      ctx.body = page(
        'Confirm your email address',
        `<p>Press the button to confirm that this address is yours and that your college may write to it again.</p>` +
          `<form method="post"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">Confirm my address</button></form>`,
      );
    },

    /** POST /verifications/confirm { token } | { address, code } */
    async confirm(ctx: Context) {
      if (!withinLimit(ctx)) return;
      const body = ((ctx.request as { body?: unknown }).body ?? {}) as { token?: unknown; address?: unknown; code?: unknown };
      const verification = getService(strapi, 'verification');
      await answer(ctx, () => (body.token !== undefined ? verification.confirmLink(body.token) : verification.confirmCode(body.address, body.code)));
      if (ctx.is('urlencoded')) {
        const ok = ctx.status < 300;
        ctx.type = 'html';
        ctx.body = ok
          ? page('Thank you', '<p>Your address is confirmed. Your college can reach you there again.</p>')
          : page('That did not work', `<p>${escapeHtml((ctx.body as { error?: { message?: string } }).error?.message ?? 'Please try again.')}</p>`);
      }
    },
  };
};
