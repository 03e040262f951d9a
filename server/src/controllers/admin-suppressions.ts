import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { CHANNELS } from '../core/events';
import { ADDRESS_STATES } from '../core/statuses';
import { getService } from '../utils/plugin';
import type { SuppressionParams } from '../contract';
import { answer, currentActor, oneOf, pageParams, param, queryString } from './admin-params';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** GET /suppressions?q&channel&state&page&pageSize */
  async list(ctx: Context) {
    await answer(ctx, async () =>
      getService(strapi, 'suppressions').list({
        q: queryString(ctx, param<SuppressionParams>('q')),
        channel: oneOf(ctx, param<SuppressionParams>('channel'), CHANNELS),
        state: oneOf(ctx, param<SuppressionParams>('state'), ADDRESS_STATES),
        ...pageParams(ctx, { pageSize: 20 }),
      }),
    );
  },

  /** POST /addresses/reactivate { channel, address, reason } */
  async reactivate(ctx: Context) {
    await answer(ctx, async () => {
      const body = ((ctx.request as { body?: unknown }).body ?? {}) as { channel?: unknown; address?: unknown; reason?: unknown };
      return getService(strapi, 'reactivation').reactivate({
        // String(['email']) is 'email': only a string is a channel.
        channel: typeof body.channel === 'string' ? body.channel : '',
        address: typeof body.address === 'string' ? body.address : '',
        reason: typeof body.reason === 'string' ? body.reason : '',
        actor: currentActor(ctx),
      });
    });
  },
});
