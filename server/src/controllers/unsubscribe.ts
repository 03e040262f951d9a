import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { isOneClickBody } from '../core/unsubscribe';
import { renderUnsubscribePage } from '../core/unsubscribe-page';
import { getService } from '../utils/plugin';
import type { UnsubscribeAnswer } from '../services/unsubscribe';
import { admitted, clientIp } from './rate-limited';

/**
 * The public one-click unsubscribe link (`auth: false`: the token is the credential). Both verbs
 * answer a small HTML page; mail providers posting RFC 8058's body read only the status.
 */
function send(ctx: Context, answer: UnsubscribeAnswer): void {
  ctx.status = answer.status;
  ctx.type = 'text/html; charset=utf-8';
  // Each answer is about one link at one moment: never cached, never indexed.
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Robots-Tag', 'noindex');
  if (answer.status === 503) ctx.set('Retry-After', '30');
  ctx.body = renderUnsubscribePage(answer.page);
}

/** The 429's body (admitted() set the status and Retry-After). */
function tooManyPage(ctx: Context): void {
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('X-Robots-Tag', 'noindex');
  ctx.body = renderUnsubscribePage({ kind: 'too-many' });
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** A database failure: 503 (the intake committed nothing), logged by its code only (its text can quote the address). */
  async function answering(ctx: Context, work: () => Promise<UnsubscribeAnswer>): Promise<void> {
    try {
      // Per client IP, shared by every instance (`rateLimits.unsubscribePerIp`); the token is not counted: it is signed.
      if (!(await admitted(strapi, ctx, [{ name: 'unsubscribePerIp', key: clientIp(ctx) }], tooManyPage))) return;
      send(ctx, await work());
    } catch (error) {
      const code = (error as { code?: unknown })?.code ?? (error instanceof Error ? error.name : 'error');
      strapi.log.error(`[deliverability] one-click unsubscribe failed (${String(code)}); nothing was recorded`);
      send(ctx, { status: 503, page: { kind: 'unavailable' } });
    }
  }

  return {
    async page(ctx: Context) {
      await answering(ctx, () => getService(strapi, 'unsubscribe').page(ctx.params.token));
    },

    async confirm(ctx: Context) {
      await answering(ctx, () => getService(strapi, 'unsubscribe').confirm(ctx.params.token, isOneClickBody(ctx.request.body)));
    },
  };
};
