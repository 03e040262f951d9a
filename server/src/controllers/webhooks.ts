import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { RAW_BODY_STATE_KEY } from '../middlewares/webhook-body';
import type { WebhookRequest } from '../providers/types';
import { getService } from '../utils/plugin';

/** The public URL the provider called: the configured public base plus the path and query it used. */
function publicUrlOf(ctx: Context, publicBase: string | null): string {
  if (publicBase) return `${publicBase}${ctx.originalUrl}`;
  return `${ctx.protocol}://${ctx.host}${ctx.originalUrl}`;
}

/** The request as the provider modules read it: raw bytes, lower-cased headers, the URL it called. */
function webhookRequestOf(ctx: Context, publicBase: string | null): WebhookRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(ctx.request.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.query)) {
    if (typeof value === 'string') query[name] = value;
    else if (Array.isArray(value) && value.length > 0) query[name] = value[value.length - 1];
  }
  return {
    rawBody: (ctx.state[RAW_BODY_STATE_KEY] as Buffer | undefined) ?? Buffer.alloc(0),
    headers,
    method: ctx.method,
    publicUrl: publicUrlOf(ctx, publicBase),
    query,
  };
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async receive(ctx: Context) {
    const request = webhookRequestOf(ctx, getService(strapi, 'config').get().publicUrl);
    const answer = await getService(strapi, 'webhooks').receive(String(ctx.params.provider), request);
    ctx.status = answer.status;
    ctx.body = answer.body;
  },

  /** A student's text to the site's number (STOP, START, HELP). */
  async inbound(ctx: Context) {
    const request = webhookRequestOf(ctx, getService(strapi, 'config').get().publicUrl);
    const answer = await getService(strapi, 'inbound-sms').receive(String(ctx.params.provider), request);
    ctx.status = answer.status;
    ctx.body = answer.body;
  },
});
