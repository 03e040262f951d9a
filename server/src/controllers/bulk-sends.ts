import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { SendRefusedError } from '../services/messages';
import { getService } from '../utils/plugin';
import { callerOf, refuse } from './messages';

/** Bulk sends on the content API (`/api/deliverability/bulk-sends`), for the host CRM's own code. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => getService(strapi, 'bulk-sends');
  const actorOf = (ctx: Context) => {
    const { scope } = callerOf(ctx);
    return { id: scope, name: `API (${scope})` };
  };
  const run = async (ctx: Context, work: () => Promise<unknown>, status = 200): Promise<void> => {
    try {
      const data = await work();
      ctx.status = status;
      ctx.body = { data };
    } catch (error) {
      if (error instanceof SendRefusedError) return refuse(ctx, error);
      throw error;
    }
  };
  const id = (ctx: Context) => String(ctx.params.id);

  return {
    async create(ctx: Context) {
      await run(ctx, () => service().create((ctx.request as unknown as { body: unknown }).body, actorOf(ctx)), 201);
    },
    async findOne(ctx: Context) {
      await run(ctx, () => service().find(id(ctx)));
    },
    async mailboxProviders(ctx: Context) {
      await run(ctx, () => service().mailboxProviders(id(ctx)));
    },
    async pause(ctx: Context) {
      await run(ctx, () => service().pause(id(ctx), actorOf(ctx)));
    },
    async resume(ctx: Context) {
      await run(ctx, () => service().resume(id(ctx)));
    },
    async cancel(ctx: Context) {
      await run(ctx, () => service().cancel(id(ctx), actorOf(ctx)));
    },
  };
};
