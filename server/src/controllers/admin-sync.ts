import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { getService } from '../utils/plugin';
import { answer } from './admin-params';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** GET /suppression-sync: each provider's pull and its progress. */
  async states(ctx: Context) {
    await answer(ctx, async () => getService(strapi, 'suppression-sync').states());
  },

  /** POST /suppression-sync/:provider: starts a pull now (202); 409 while one runs, 404 without credentials. */
  async start(ctx: Context) {
    await answer(ctx, async () => {
      const state = await getService(strapi, 'suppression-sync').startPull(String(ctx.params.provider));
      ctx.status = 202;
      return state;
    });
  },
});
