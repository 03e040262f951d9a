import type { Core } from '@strapi/strapi';
import { CHANNELS, type Channel } from '../core/events';
import { MESSAGE_STATUSES, type MessageStatus } from '../core/statuses';
import { AdminApiError } from '../utils/admin-error';
import { builder, columnsOf, dayBucketSql, dialectOf, knexOf, toCount } from '../utils/sql';
import { UID } from '../utils/uids';

/**
 * Delivery reports: messages by day × channel × status over a period, with totals and rates.
 * One grouped query on the logs table (its `created_at, channel, status` index covers it), so the
 * cost follows the number of days shown, not the number of messages sent.
 *
 * A message is counted once, on the day it was created, under its current status: a message
 * that bounced after two soft bounces counts as one bounced message, not three attempts.
 */

export type StatusCounts = Record<MessageStatus, number>;

export interface Totals extends StatusCounts {
  /** Every message created in the period. */
  total: number;
  /** Handed to a provider at least once: everything except queued and dropped. */
  attempted: number;
}

export interface Rates {
  /** bounced ÷ attempted */
  bounceRate: number | null;
  /** failed ÷ attempted (SMS failures, retries exhausted) */
  failureRate: number | null;
  /** (delivered + complained) ÷ attempted: a complaint proves the message arrived. */
  deliveryRate: number | null;
  /** complained ÷ attempted */
  complaintRate: number | null;
  /** dropped ÷ total: sends refused because the address is suppressed */
  dropRate: number | null;
}

export interface ReportDay {
  day: string;
  channels: Record<Channel, StatusCounts>;
}

export interface Report {
  from: string;
  to: string;
  tzOffsetMinutes: number;
  channel: Channel | null;
  days: ReportDay[];
  totals: Totals & Rates;
  byChannel: Record<Channel, Totals & Rates>;
}

export interface ReportQuery {
  /** First day shown, YYYY-MM-DD, in the reader's calendar. */
  from: string;
  /** Last day shown, inclusive. */
  to: string;
  /** Minutes to add to UTC to get the reader's local time (+60 in British summer time). */
  tzOffsetMinutes: number;
  channel?: Channel | null;
}

export const MAX_REPORT_DAYS = 366;
const DAY_MS = 86_400_000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/** Epoch milliseconds of a local calendar day's midnight, or null when it is not a real date. */
export function dayStart(day: string, tzOffsetMinutes: number): number | null {
  if (!DAY_PATTERN.test(day)) return null;
  const [y, m, d] = day.split('-').map(Number);
  const utc = Date.UTC(y, m - 1, d);
  // Date.UTC rolls 2025-02-30 over to March: refuse it instead.
  if (new Date(utc).toISOString().slice(0, 10) !== day) return null;
  return utc - tzOffsetMinutes * 60_000;
}

/** Whether a text is a real calendar day, YYYY-MM-DD. */
export function isCalendarDay(day: string): boolean {
  return dayStart(day, 0) !== null;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) + n * DAY_MS)
    .toISOString()
    .slice(0, 10);
}

function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export function totalsOf(counts: StatusCounts): Totals & Rates {
  const total = MESSAGE_STATUSES.reduce((sum, s) => sum + counts[s], 0);
  const attempted = total - counts.queued - counts.dropped;
  return {
    ...counts,
    total,
    attempted,
    bounceRate: ratio(counts.bounced, attempted),
    failureRate: ratio(counts.failed, attempted),
    deliveryRate: ratio(counts.delivered + counts.complained, attempted),
    complaintRate: ratio(counts.complained, attempted),
    dropRate: ratio(counts.dropped, total),
  };
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async report(query: ReportQuery): Promise<Report> {
    const start = dayStart(query.from, query.tzOffsetMinutes);
    const lastStart = dayStart(query.to, query.tzOffsetMinutes);
    if (start === null || lastStart === null) throw new AdminApiError(400, 'from and to must be dates (YYYY-MM-DD).');
    if (lastStart < start) throw new AdminApiError(400, 'from must not be after to.');
    const dayCount = Math.round((lastStart - start) / DAY_MS) + 1;
    if (dayCount > MAX_REPORT_DAYS) throw new AdminApiError(400, `A report covers at most ${MAX_REPORT_DAYS} days.`);
    const end = lastStart + DAY_MS;

    const knex = knexOf(strapi);
    const c = columnsOf(strapi, UID.log, ['createdAt', 'channel', 'status'] as const);
    const q = builder(strapi, UID.log)
      .select({ day: dayBucketSql(knex, dialectOf(strapi), c.createdAt, query.tzOffsetMinutes), channel: c.channel, status: c.status })
      .count({ n: '*' })
      .where(c.createdAt, '>=', new Date(start))
      .andWhere(c.createdAt, '<', new Date(end))
      .groupBy('day', c.channel, c.status);
    if (query.channel) q.andWhere(c.channel, query.channel);
    const rows = (await q) as { day: string; channel: string; status: string; n: unknown }[];

    // Every day of the period, empty ones included, so a chart's x axis is the calendar.
    const days = new Map<string, ReportDay>();
    for (let i = 0; i < dayCount; i += 1) {
      const day = addDays(query.from, i);
      days.set(day, { day, channels: { email: emptyCounts(), sms: emptyCounts() } });
    }
    const perChannel: Record<Channel, StatusCounts> = { email: emptyCounts(), sms: emptyCounts() };
    for (const row of rows) {
      const channel = row.channel as Channel;
      const status = row.status as MessageStatus;
      if (!(CHANNELS as readonly string[]).includes(channel) || !(MESSAGE_STATUSES as readonly string[]).includes(status)) continue;
      const n = toCount(row.n);
      const bucket = days.get(String(row.day));
      if (bucket) bucket.channels[channel][status] += n;
      perChannel[channel][status] += n;
    }
    const all = emptyCounts();
    for (const channel of CHANNELS) for (const s of MESSAGE_STATUSES) all[s] += perChannel[channel][s];

    return {
      from: query.from,
      to: query.to,
      tzOffsetMinutes: query.tzOffsetMinutes,
      channel: query.channel ?? null,
      days: [...days.values()],
      totals: totalsOf(all),
      byChannel: { email: totalsOf(perChannel.email), sms: totalsOf(perChannel.sms) },
    };
  },
});
