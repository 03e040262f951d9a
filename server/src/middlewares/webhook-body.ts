import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';
import { webhookPath } from '../utils/webhook-path';

/**
 * Webhook requests are read as raw bytes, because signatures are computed over the exact bytes
 * (re-serialized JSON fails), and with the plugin's own size limit, raised for SendGrid's large
 * batches on these routes only. Every other request goes to Strapi's own body parser, unchanged.
 */

export const RAW_BODY_STATE_KEY = 'deliverabilityRawBody';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than the ${limit} bytes accepted.`);
  }
}

export async function readRawBody(stream: NodeJS.ReadableStream, limit: number, declaredLength?: number): Promise<Buffer> {
  if (declaredLength !== undefined && declaredLength > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

type KoaMiddleware = (ctx: Context, next: Next) => Promise<unknown>;
type BodyMiddlewareFactory = (config: Record<string, unknown>, context: { strapi: Core.Strapi }) => KoaMiddleware;

/**
 * Wraps Strapi's body middleware factory (`strapi::body`): webhook requests are read as raw
 * bytes here, every other request is parsed by Strapi's own middleware with the site's settings.
 */
export function withWebhookBodies(original: BodyMiddlewareFactory): BodyMiddlewareFactory {
  return (config, context) => {
    const strapiBody = original(config, context);
    const { strapi } = context;
    // Under the site's REST prefix, which config/api may change from /api.
    const prefix = `${webhookPath(strapi)}/`;
    return async (ctx: Context, next: Next) => {
      if (!ctx.path.startsWith(prefix)) return strapiBody(ctx, next);
      if (ctx.method === 'POST') {
        const limit = (strapi.plugin('deliverability').service('config') as { get(): { webhooks: { maxBodyBytes: number } } }).get()
          .webhooks.maxBodyBytes;
        const declared = ctx.request.length;
        try {
          ctx.state[RAW_BODY_STATE_KEY] = await readRawBody(ctx.req, limit, Number.isFinite(declared) ? declared : undefined);
        } catch (error) {
          if (error instanceof BodyTooLargeError) {
            ctx.status = 413;
            ctx.body = { ok: false, error: error.message };
            return undefined;
          }
          throw error;
        }
      } else {
        ctx.state[RAW_BODY_STATE_KEY] = Buffer.alloc(0);
      }
      return next();
    };
  };
}
