import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { getService } from '../utils/plugin';
import { SYNC_PROVIDER_NAMES } from '../config/sync';
import { SUPPRESSED_STATES } from '../core/statuses';
import type { DriftParams, WorklistParams } from '../contract';
import { answer, currentActor, oneOf, pageParams, param } from './admin-params';

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

  /** GET /suppression-sync/drift?provider&page&pageSize: addresses a provider suppresses that are usable here. */
  async drift(ctx: Context) {
    await answer(ctx, async () =>
      getService(strapi, 'provider-listings').drift({
        provider: oneOf(ctx, param<DriftParams>('provider'), SYNC_PROVIDER_NAMES) ?? null,
        ...pageParams(ctx, { pageSize: 20 }),
      }),
    );
  },

  /** POST /suppression-sync/drift/:provider/lift: lifts a batch of them at the provider. */
  async reconcile(ctx: Context) {
    await answer(ctx, async () => getService(strapi, 'suppression-push').reconcile(String(ctx.params.provider), currentActor(ctx)));
  },

  /** GET /worklist?state&page&pageSize: students with a failed address and no working alternative, newest first. */
  async worklist(ctx: Context) {
    await answer(ctx, async () =>
      getService(strapi, 'worklist').list({
        state: oneOf(ctx, param<WorklistParams>('state'), SUPPRESSED_STATES) ?? null,
        ...pageParams(ctx, { pageSize: 20 }),
      }),
    );
  },
});
