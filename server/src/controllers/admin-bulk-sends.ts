import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { getService } from '../utils/plugin';
import { answer, currentActor, pageParams } from './admin-params';

/** Bulk sends in the admin panel: compose (preview, then create), watch, pause, resume, cancel. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => getService(strapi, 'bulk-sends');
  const body = (ctx: Context): unknown => (ctx.request as unknown as { body: unknown }).body;
  const id = (ctx: Context) => String(ctx.params.id);
  return {
    /** GET /bulk-sends?page&pageSize: newest first. */
    async list(ctx: Context) {
      await answer(ctx, () => service().page(pageParams(ctx, { pageSize: 20 })));
    },
    /** GET /categories: what the compose page offers, with what each category implies. */
    async categories(ctx: Context) {
      await answer(ctx, async () => service().categories());
    },
    async preview(ctx: Context) {
      await answer(ctx, () => service().preview(body(ctx)));
    },
    async create(ctx: Context) {
      await answer(ctx, () => service().create(body(ctx), currentActor(ctx)));
    },
    async findOne(ctx: Context) {
      await answer(ctx, () => service().find(id(ctx)));
    },
    async mailboxProviders(ctx: Context) {
      await answer(ctx, () => service().mailboxProviders(id(ctx)));
    },
    async pause(ctx: Context) {
      await answer(ctx, () => service().pause(id(ctx), currentActor(ctx)));
    },
    async resume(ctx: Context) {
      await answer(ctx, () => service().resume(id(ctx)));
    },
    async cancel(ctx: Context) {
      await answer(ctx, () => service().cancel(id(ctx), currentActor(ctx)));
    },
  };
};
