import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { SendRefusedError } from '../services/messages';
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

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async send(ctx: Context) {
    try {
      const result = await getService(strapi, 'messages').send((ctx.request as unknown as { body: unknown }).body);
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
