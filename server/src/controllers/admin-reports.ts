import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { CHANNELS } from '../core/events';
import { localDay } from '../core/time-zones';
import { AdminApiError } from '../utils/admin-error';
import { getService } from '../utils/plugin';
import { addDays, isCalendarDay, zoneOf } from '../services/reports';
import type { ReachParams, ReportParams, ReportQuery } from '../contract';
import { answer, oneOf, param, queryString } from './admin-params';

/** Largest UTC offset anywhere (Kiribati is +14 h, Baker Island −12 h). */
const MAX_OFFSET_MINUTES = 14 * 60;

/**
 * A report's period from the query: `from`, `to` (YYYY-MM-DD) and `tz` (IANA), else
 * `tzOffset=<minutes>` (a fixed offset, what the admin sent before time zones); by default the
 * last 30 days in UTC.
 */
function periodOf(ctx: Context): Pick<ReportQuery, 'from' | 'to' | 'timeZone' | 'tzOffsetMinutes'> {
  const timeZone = queryString(ctx, param<ReportParams>('tz'));
  const rawOffset = queryString(ctx, param<ReportParams>('tzOffset'));
  const tzOffsetMinutes = rawOffset === undefined ? 0 : Number(rawOffset);
  if (!Number.isInteger(tzOffsetMinutes) || Math.abs(tzOffsetMinutes) > MAX_OFFSET_MINUTES) {
    throw new AdminApiError(400, 'tzOffset must be whole minutes between -840 and 840.');
  }
  const { zone } = zoneOf({ timeZone, tzOffsetMinutes });
  const to = queryString(ctx, param<ReportParams>('to')) ?? localDay(zone, Date.now());
  // Checked before any date arithmetic: `to=x` made addDays throw a RangeError (500).
  if (!isCalendarDay(to)) throw new AdminApiError(400, 'to must be a date (YYYY-MM-DD).');
  const from = queryString(ctx, param<ReportParams>('from')) ?? addDays(to, -29);
  return { from, to, timeZone, tzOffsetMinutes };
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** GET /reports?from=YYYY-MM-DD&to=YYYY-MM-DD&tz=Europe/London&channel */
  async report(ctx: Context) {
    await answer(ctx, async () =>
      getService(strapi, 'reports').report({ ...periodOf(ctx), channel: oneOf(ctx, param<ReportParams>('channel'), CHANNELS) ?? null }),
    );
  },

  /** GET /reports/reach?from&to&tz&category: a category's messages (critical by default) reached on either channel. */
  async reach(ctx: Context) {
    await answer(ctx, async () => {
      const category = queryString(ctx, param<ReachParams>('category'));
      const categories = getService(strapi, 'config').get().categories;
      if (category !== undefined && !Object.prototype.hasOwnProperty.call(categories, category)) {
        throw new AdminApiError(400, `category must be one of ${Object.keys(categories).join(', ')}.`);
      }
      return getService(strapi, 'reports').reach({ ...periodOf(ctx), category });
    });
  },

  /** GET /reports/sender-blocks?from&to&tz: blocks of the sender per mailbox provider, over the same kind of period. */
  async senderBlocks(ctx: Context) {
    await answer(ctx, async () => getService(strapi, 'sender-blocks').report(periodOf(ctx)));
  },

  /** GET /reports/mailbox-providers?from&to&tz: email by the recipients' mailbox provider. */
  async mailboxProviders(ctx: Context) {
    await answer(ctx, async () => getService(strapi, 'reports').mailboxProviders(periodOf(ctx)));
  },

  /** GET /reports/breaker-pauses?from&to&tz: bulk sends paused by their breaker in the period, with the figures. */
  async breakerPauses(ctx: Context) {
    await answer(ctx, async () => getService(strapi, 'reports').breakerPauses(periodOf(ctx)));
  },

  /** GET /reports/unsubscribes?from&to&tz: addresses unsubscribed, one-click or reported, and per bulk send. */
  async unsubscribes(ctx: Context) {
    await answer(ctx, async () => getService(strapi, 'reports').unsubscribes(periodOf(ctx)));
  },
});
