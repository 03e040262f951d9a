import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { CHANNELS } from '../core/events';
import { AdminApiError } from '../utils/admin-error';
import { getService } from '../utils/plugin';
import { addDays, isCalendarDay } from '../services/reports';
import { answer, oneOf, queryString } from './admin-params';

/** Largest UTC offset anywhere (Kiribati is +14 h, Baker Island −12 h). */
const MAX_OFFSET_MINUTES = 14 * 60;

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** GET /reports?from=YYYY-MM-DD&to=YYYY-MM-DD&tzOffset=minutes&channel — defaults to the last 30 days in UTC. */
  async report(ctx: Context) {
    await answer(ctx, async () => {
      const rawOffset = queryString(ctx, 'tzOffset');
      const tzOffsetMinutes = rawOffset === undefined ? 0 : Number(rawOffset);
      if (!Number.isInteger(tzOffsetMinutes) || Math.abs(tzOffsetMinutes) > MAX_OFFSET_MINUTES) {
        throw new AdminApiError(400, 'tzOffset must be whole minutes between -840 and 840.');
      }
      const today = new Date(Date.now() + tzOffsetMinutes * 60_000).toISOString().slice(0, 10);
      const to = queryString(ctx, 'to') ?? today;
      // Checked before any date arithmetic: `to=x` made addDays throw a RangeError (500).
      if (!isCalendarDay(to)) throw new AdminApiError(400, 'to must be a date (YYYY-MM-DD).');
      const from = queryString(ctx, 'from') ?? addDays(to, -29);
      return getService(strapi, 'reports').report({ from, to, tzOffsetMinutes, channel: oneOf(ctx, 'channel', CHANNELS) ?? null });
    });
  },
});
