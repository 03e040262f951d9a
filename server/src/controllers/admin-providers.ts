import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { getService } from '../utils/plugin';
import { answer } from './admin-params';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** GET /providers: each provider's state and the webhook URL to paste into its console. */
  async list(ctx: Context) {
    // Without a configured public URL, the address this admin reached the server on is the best guess.
    await answer(ctx, async () => getService(strapi, 'provider-health').report(ctx.origin));
  },
});
