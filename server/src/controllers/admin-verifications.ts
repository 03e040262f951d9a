import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { getService } from '../utils/plugin';
import { answer, currentActor } from './admin-params';

/** An editor's actions on a student's pending verification (the Full Logs card), with the reactivation permission. */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** POST /verifications/:documentId/resend: a new link or code, the old one void. */
  async resend(ctx: Context) {
    await answer(ctx, () => getService(strapi, 'verification').resend(ctx.params.documentId, currentActor(ctx)));
  },
});
