import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { SendRefusedError, type SendCaller } from '../services/messages';
import { getService } from '../utils/plugin';

/** A refusal in Strapi's error shape, naming the field. */
export function refuse(ctx: Context, error: SendRefusedError): void {
  ctx.status = error.status;
  ctx.body = {
    data: null,
    error: {
      status: error.status,
      name: error.status === 404 ? 'NotFoundError' : error.status === 409 ? 'ConflictError' : 'ValidationError',
      message: error.message,
      details: { field: error.field },
    },
  };
}

/** Whose idempotency keys a request uses: its API token's (or its user's). Keys are never shared between two tokens. */
export function callerOf(ctx: Context): SendCaller {
  const auth = (ctx.state as { auth?: { strategy?: { name?: string }; credentials?: { id?: unknown } } }).auth;
  const id = auth?.credentials?.id;
  return { scope: id === undefined || id === null ? 'anonymous' : `${auth?.strategy?.name ?? 'auth'}:${String(id)}` };
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async send(ctx: Context) {
    try {
      const result = await getService(strapi, 'messages').send((ctx.request as unknown as { body: unknown }).body, callerOf(ctx));
      const { duplicate, ...view } = result;
      ctx.status = duplicate ? 200 : 201;
      ctx.body = { data: view, meta: { duplicate: Boolean(duplicate) } };
    } catch (error) {
      if (error instanceof SendRefusedError) return refuse(ctx, error);
      throw error;
    }
  },

  async findOne(ctx: Context) {
    const view = await getService(strapi, 'messages').find(String(ctx.params.id));
    if (!view) return refuse(ctx, new SendRefusedError(404, 'id', `No message "${String(ctx.params.id)}".`));
    ctx.body = { data: view };
  },
});
