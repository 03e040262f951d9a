import type { Core } from '@strapi/strapi';
import { CHANNELS, type Channel } from '../core/events';
import { MESSAGE_STATUSES, type MessageStatus } from '../core/statuses';
import { AdminApiError } from '../utils/admin-error';
import { addDays, canonicalTimeZone, daysBetween, isTimeZone, offsetMinutesAt, utcMidnight, zonedDayStart, type ReportZone } from '../core/time-zones';
import { builder, columnsOf, knexOf, periodIndexSql, tableName, toCount } from '../utils/sql';
import { UID } from '../utils/uids';
import type { BreakerPauseEntry, BreakerPauseReport, BreakerPauseRow, BulkSendStatus, MailboxProviderReport, ReachReport, Report, ReportDay, ReportQuery, ReportTotals, StatusCounts, UnsubscribeReport } from '../contract';
import { groupByMailboxProvider } from '../core/mailbox-providers';
import { allOnTheHour } from '../core/report-rollup';
import { reachOf } from '../core/reach';
import { getService, table, toIso, type Row } from '../utils/plugin';

/**
 * Delivery reports: messages by day × channel × status over a period, with totals and rates.
 * One grouped query on the roll-up (`report-rollup.ts`: counts by quarter-hour or by hour, channel
 * and status), whose cost follows the length of the period, not the number of messages in it. Days are
 * the reader's calendar days in their time zone, daylight-saving changes included: each day's
 * first instant is computed in JavaScript (always a quarter-hour boundary) and the query only
 * compares instants (see `periodIndexSql`).
 *
 * A message is counted once, on the day it was created, under its current status: a message
 * that bounced after two soft bounces counts as one bounced message, not three attempts.
 */

export const MAX_REPORT_DAYS = 366;

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/** Whether a text is a real calendar day, YYYY-MM-DD. */
export function isCalendarDay(day: string): boolean {
  return utcMidnight(day) !== null;
}

export { addDays };

/** The zone a query asks for; UTC when it names none. */
export function zoneOf(query: Pick<ReportQuery, 'timeZone' | 'tzOffsetMinutes'>): { zone: ReportZone; name: string } {
  if (query.timeZone !== undefined) {
    if (!isTimeZone(query.timeZone)) throw new AdminApiError(400, `"${query.timeZone.slice(0, 64)}" is not a time zone (use an IANA name such as Europe/London).`);
    return { zone: { timeZone: query.timeZone }, name: canonicalTimeZone(query.timeZone) };
  }
  const minutes = query.tzOffsetMinutes ?? 0;
  if (minutes === 0) return { zone: { offsetMinutes: 0 }, name: 'UTC' };
  const abs = Math.abs(minutes);
  const name = `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return { zone: { offsetMinutes: minutes }, name };
}

function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export function totalsOf(counts: StatusCounts): ReportTotals {
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

/** The number of days from `from` to `to` inclusive, or a 400 saying what is wrong with the period. */
export function periodDays(query: Pick<ReportQuery, 'from' | 'to'>): number {
  if (!isCalendarDay(query.from) || !isCalendarDay(query.to)) throw new AdminApiError(400, 'from and to must be dates (YYYY-MM-DD).');
  const dayCount = daysBetween(query.from, query.to) + 1;
  if (dayCount < 1) throw new AdminApiError(400, 'from must not be after to.');
  if (dayCount > MAX_REPORT_DAYS) throw new AdminApiError(400, `A report covers at most ${MAX_REPORT_DAYS} days.`);
  return dayCount;
}

/** Other domains named one by one in the mailbox-provider breakdown; the rest share one row. */
export const MAX_OTHER_DOMAINS = 10;

/** The instants a period covers, in the reader's zone: from the first day's start to the day after the last. */
function periodBounds(query: Pick<ReportQuery, 'from' | 'to' | 'timeZone' | 'tzOffsetMinutes'>): { start: Date; end: Date; name: string } {
  periodDays(query);
  const { zone, name } = zoneOf(query);
  return { start: new Date(zonedDayStart(query.from, zone)!), end: new Date(zonedDayStart(addDays(query.to, 1), zone)!), name };
}

/** Statuses of messages, by documentId, read in chunks. */
async function statusesOf(strapi: Core.Strapi, documentIds: string[]): Promise<Map<string, MessageStatus>> {
  const statuses = new Map<string, MessageStatus>();
  for (let i = 0; i < documentIds.length; i += 500) {
    const rows = await table(strapi, UID.log).findMany({ select: ['documentId', 'status'], where: { documentId: { $in: documentIds.slice(i, i + 500) } } });
    for (const row of rows) statuses.set(row.documentId, row.status as MessageStatus);
  }
  return statuses;
}

/** Breaker pauses listed one by one in a report; past that many, only the count says how many more. */
export const MAX_BREAKER_PAUSES = 100;

/** A breaker-pause audit row as the report shows it, with its send (null fields if the send is gone). */
function breakerPauseRow(entry: Row, send: Row | undefined): BreakerPauseRow {
  const { bulkSendId, trip } = entry.after as BreakerPauseEntry;
  return {
    bulkSendId,
    sourceName: (send?.sourceName as string | undefined) ?? null,
    channel: (send?.channel as Channel | undefined) ?? null,
    status: (send?.status as BulkSendStatus | undefined) ?? null,
    pausedAt: toIso(entry.createdAt) ?? '',
    trip,
  };
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * Bulk sends paused by their breaker in a period, with the figures that tripped it, newest first.
   * Read from the audit trail (`bulk-breaker-pause`), not from the sends: a resume clears a send's
   * pause, and a report must still show that it tripped.
   */
  async breakerPauses(query: Pick<ReportQuery, 'from' | 'to' | 'timeZone' | 'tzOffsetMinutes'>): Promise<BreakerPauseReport> {
    const { start, end, name } = periodBounds(query);
    const where = { action: 'bulk-breaker-pause', createdAt: { $gte: start, $lt: end } };
    const total = await table(strapi, UID.audit).count({ where });
    const entries = await table(strapi, UID.audit).findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit: MAX_BREAKER_PAUSES });
    const ids = [...new Set(entries.map((entry) => (entry.after as BreakerPauseEntry).bulkSendId))];
    const sends = ids.length === 0 ? [] : await table(strapi, UID.bulkSend).findMany({ select: ['documentId', 'sourceName', 'channel', 'status'], where: { documentId: { $in: ids } } });
    const byId = new Map(sends.map((send) => [send.documentId as string, send]));
    return { from: query.from, to: query.to, timeZone: name, total, rows: entries.map((entry) => breakerPauseRow(entry, byId.get((entry.after as BreakerPauseEntry).bulkSendId))) };
  },

  /**
   * Whether a category's messages (critical by default) reached the student on either channel
   * (core/reach.ts). Messages without a fallback are counted by status in one grouped query; the
   * few with one are read with their fallback's status.
   */
  async reach(query: Pick<ReportQuery, 'from' | 'to' | 'timeZone' | 'tzOffsetMinutes'> & { category?: string }): Promise<ReachReport> {
    const { start, end, name } = periodBounds(query);
    const category = query.category ?? 'critical';
    const c = columnsOf(strapi, UID.log, ['createdAt', 'status', 'category', 'fallbackOf', 'fallbackMessage'] as const);
    const originals = () =>
      builder(strapi, UID.log).where(c.category, category).whereNull(c.fallbackOf).where(c.createdAt, '>=', start).andWhere(c.createdAt, '<', end);
    const alone = (await originals().whereNull(c.fallbackMessage).select({ status: c.status }).count({ n: '*' }).groupBy(c.status)) as { status: string; n: unknown }[];
    const linked = (await originals().whereNotNull(c.fallbackMessage).select({ status: c.status, fallback: c.fallbackMessage })) as { status: string; fallback: string }[];
    const fallbackStatus = await statusesOf(strapi, linked.map((row) => row.fallback));

    const report: ReachReport = { from: query.from, to: query.to, timeZone: name, category, total: 0, reachedFirst: 0, reachedByFallback: 0, notReached: 0, awaiting: 0 };
    const add = (first: MessageStatus, fallback: MessageStatus | null, n: number): void => {
      const key = ({ first: 'reachedFirst', fallback: 'reachedByFallback', notReached: 'notReached', awaiting: 'awaiting' } as const)[reachOf(first, fallback)];
      report[key] += n;
      report.total += n;
    };
    for (const row of alone) add(row.status as MessageStatus, null, toCount(row.n));
    // A fallback row that has gone (never, short of a database edit) counts as still awaited, not as reached.
    for (const row of linked) add(row.status as MessageStatus, fallbackStatus.get(row.fallback) ?? 'queued', 1);
    return report;
  },

  /**
   * Email over a period by the recipients' mailbox provider (campus, Gmail, Microsoft, Yahoo, the
   * other domains), so that a block by one of them shows as such. The query groups by address and
   * status (the database cannot take a domain out of an address the same way everywhere); the
   * grouping by provider is the per-send breakdown's own (`groupByMailboxProvider`).
   */
  async mailboxProviders(query: Pick<ReportQuery, 'from' | 'to' | 'timeZone' | 'tzOffsetMinutes'>): Promise<MailboxProviderReport> {
    const { start, end, name } = periodBounds(query);
    const c = columnsOf(strapi, UID.log, ['createdAt', 'channel', 'status', 'address'] as const);
    const rows = (await builder(strapi, UID.log)
      .select({ address: c.address, status: c.status })
      .count({ n: '*' })
      .where(c.channel, 'email')
      .andWhere(c.createdAt, '>=', start)
      .andWhere(c.createdAt, '<', end)
      .groupBy(c.address, c.status)) as { address: string | null; status: string; n: unknown }[];
    const counted = rows
      .filter((row) => row.address && (MESSAGE_STATUSES as readonly string[]).includes(row.status))
      .map((row) => ({ address: row.address as string, status: row.status as MessageStatus, count: toCount(row.n) }));
    const campusDomains = getService(strapi, 'config').get().bulk.campusDomains;
    const mxHosts = await getService(strapi, 'mx-hosts').known(counted.map((row) => row.address));
    const groups = groupByMailboxProvider(counted, campusDomains, emptyCounts, MAX_OTHER_DOMAINS, mxHosts);
    return {
      from: query.from,
      to: query.to,
      timeZone: name,
      campusDomains,
      rows: groups.map((g) => ({ provider: g.provider, domain: g.domain, viaMx: g.viaMx, totals: totalsOf(g.counts) })),
    };
  },

  /**
   * Addresses unsubscribed in a period (events of kind `unsubscribe` that changed the address, by
   * when they happened), by how: the one-click link of our bulk email, or a provider's report; and
   * the one-click ones per bulk send they came from. A status count cannot show them: an
   * unsubscribe leaves its message `delivered`.
   */
  async unsubscribes(query: Pick<ReportQuery, 'from' | 'to' | 'timeZone' | 'tzOffsetMinutes'>): Promise<UnsubscribeReport> {
    const { start, end, name } = periodBounds(query);
    const events = tableName(strapi, UID.event);
    const logs = tableName(strapi, UID.log);
    const e = columnsOf(strapi, UID.event, ['kind', 'outcome', 'occurredAt', 'provider', 'logDocumentId'] as const);
    const l = columnsOf(strapi, UID.log, ['bulkSendId', 'documentId'] as const);
    const applied = () =>
      builder(strapi, UID.event)
        .where(`${events}.${e.kind}`, 'unsubscribe')
        .where(`${events}.${e.outcome}`, 'applied')
        .where(`${events}.${e.occurredAt}`, '>=', start)
        .where(`${events}.${e.occurredAt}`, '<', end);
    const byProvider = (await applied().select({ provider: `${events}.${e.provider}` }).count({ n: '*' }).groupBy(`${events}.${e.provider}`)) as { provider: string; n: unknown }[];
    const byBulkSend = (await applied()
      .join(logs, `${logs}.${l.documentId}`, `${events}.${e.logDocumentId}`)
      .where(`${events}.${e.provider}`, 'one-click')
      .whereNotNull(`${logs}.${l.bulkSendId}`)
      .select({ bulkSendId: `${logs}.${l.bulkSendId}` })
      .count({ n: '*' })
      .groupBy(`${logs}.${l.bulkSendId}`)) as { bulkSendId: string; n: unknown }[];
    const oneClick = byProvider.filter((row) => row.provider === 'one-click').reduce((sum, row) => sum + toCount(row.n), 0);
    const total = byProvider.reduce((sum, row) => sum + toCount(row.n), 0);
    return {
      from: query.from,
      to: query.to,
      timeZone: name,
      total,
      oneClick,
      reportedByProviders: total - oneClick,
      byBulkSend: byBulkSend.map((row) => ({ bulkSendId: row.bulkSendId, oneClick: toCount(row.n) })).sort((a, b) => b.oneClick - a.oneClick || a.bulkSendId.localeCompare(b.bulkSendId)),
    };
  },

  async report(query: ReportQuery): Promise<Report> {
    const dayCount = periodDays(query);
    const { zone, name } = zoneOf(query);

    // Each local day's first instant, and the end of the last one: a day is 23, 24 or 25 hours.
    const dayNames = Array.from({ length: dayCount }, (_, i) => addDays(query.from, i));
    const starts = [...dayNames, addDays(query.to, 1)].map((day) => new Date(zonedDayStart(day, zone)!));
    const end = starts.pop()!;

    const knex = knexOf(strapi);
    // Days that start on the hour (most zones, most days) are read from the hourly counts.
    const hourly = allOnTheHour([...starts, end].map((instant) => instant.getTime()));
    const q = getService(strapi, 'report-rollup')
      .countsBetween(starts[0], end, query.channel ?? null, hourly)
      .select({ day: periodIndexSql(knex, 'bucket', starts), channel: 'channel', status: 'status' })
      .sum({ n: 'messages' })
      .groupBy('day', 'channel', 'status');
    const rows = (await q) as { day: unknown; channel: string; status: string; n: unknown }[];

    // Every day of the period, empty ones included, so a chart's x axis is the calendar.
    const days: ReportDay[] = dayNames.map((day) => ({ day, channels: { email: emptyCounts(), sms: emptyCounts() } }));
    const perChannel: Record<Channel, StatusCounts> = { email: emptyCounts(), sms: emptyCounts() };
    for (const row of rows) {
      const channel = row.channel as Channel;
      const status = row.status as MessageStatus;
      if (!(CHANNELS as readonly string[]).includes(channel) || !(MESSAGE_STATUSES as readonly string[]).includes(status)) continue;
      const n = toCount(row.n);
      const bucket = days[toCount(row.day)];
      if (bucket) bucket.channels[channel][status] += n;
      perChannel[channel][status] += n;
    }
    const all = emptyCounts();
    for (const channel of CHANNELS) for (const s of MESSAGE_STATUSES) all[s] += perChannel[channel][s];

    return {
      from: query.from,
      to: query.to,
      timeZone: name,
      tzOffsetMinutes: offsetMinutesAt(zone, starts[0].getTime()),
      channel: query.channel ?? null,
      days,
      totals: totalsOf(all),
      byChannel: { email: totalsOf(perChannel.email), sms: totalsOf(perChannel.sms) },
    };
  },
});
