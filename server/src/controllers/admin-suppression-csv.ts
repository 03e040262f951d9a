import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { CHANNELS } from '../core/events';
import { ADDRESS_STATES } from '../core/statuses';
import type { SuppressionParams } from '../contract';
import { AdminApiError } from '../utils/admin-error';
import { getService } from '../utils/plugin';
import { answer, currentActor, oneOf, param, queryString } from './admin-params';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** GET /suppressions/export?q&channel&state: the whole filtered list as a CSV file. */
  async exportCsv(ctx: Context) {
    try {
      const filters = {
        q: queryString(ctx, param<SuppressionParams>('q')),
        channel: oneOf(ctx, param<SuppressionParams>('channel'), CHANNELS),
        state: oneOf(ctx, param<SuppressionParams>('state'), ADDRESS_STATES),
      };
      ctx.body = await getService(strapi, 'suppression-csv').exportCsv(filters);
      ctx.type = 'text/csv; charset=utf-8';
      ctx.attachment(`suppressions-${new Date().toISOString().slice(0, 10)}.csv`);
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      ctx.status = error.status;
      ctx.body = { data: null, error: { status: error.status, name: error.name, message: error.message } };
    }
  },

  /** POST /suppressions/import, a CSV body (text/csv) or `{ csv }`: all rows or none, with a report of what was refused and why. */
  async importCsv(ctx: Context) {
    const body: unknown = (ctx.request as { body?: unknown }).body;
    const text =
      typeof body === 'string' ? body : typeof (body as { csv?: unknown })?.csv === 'string' ? (body as { csv: string }).csv : null;
    try {
      if (text === null) throw new AdminApiError(400, 'Send the CSV file as the body (text/csv), or as { "csv": "…" }.');
      ctx.body = { data: await getService(strapi, 'suppression-csv').importCsv(text, currentActor(ctx)) };
    } catch (error) {
      const details = (error as { details?: unknown }).details;
      if (!(error instanceof AdminApiError) || details === undefined) return answer(ctx, () => Promise.reject(error));
      ctx.status = 400;
      // The report is the data and the error's details (the admin's data layer keeps only the error).
      ctx.body = { data: details, error: { status: 400, name: error.name, message: error.message, details } };
    }
  },
});
