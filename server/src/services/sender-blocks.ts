import type { Core } from '@strapi/strapi';
import { mailboxProviderOf } from '../core/sender-blocks';
import { addDays, zonedDayStart } from '../core/time-zones';
import { table, toIso, type Row } from '../utils/plugin';
import { UID } from '../utils/uids';
import type { ReportQuery, SenderBlockReport, SenderBlockRow } from '../contract';
import { periodDays, zoneOf } from './reports';

/**
 * Blocks of the sender, counted per mailbox provider: a campus-wide block by Microsoft shows as one
 * row with its thousands of events, not as thousands of failed addresses (none is marked failed).
 * Reads the event rows of kind `sender_block` in the period (the `kind, occurred_at` index).
 */

const FIELDS = ['address', 'occurredAt', 'rawCode', 'rawText', 'eventKey'];
const PAGE = 5000;
const MAX_DOMAINS = 10;

interface Group {
  row: SenderBlockRow;
  addresses: Set<string>;
  lastMs: number;
}

function addTo(groups: Map<string, Group>, event: Row): void {
  const address = String(event.address ?? '');
  const provider = mailboxProviderOf(address);
  const at = new Date(event.occurredAt as string | Date).getTime();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  let group = groups.get(provider);
  if (!group) {
    group = {
      row: { mailboxProvider: provider, events: 0, addresses: 0, domains: [], firstAt: toIso(at)!, lastAt: toIso(at)!, lastCode: null, lastText: null },
      addresses: new Set(),
      lastMs: -Infinity,
    };
    groups.set(provider, group);
  }
  group.row.events += 1;
  group.addresses.add(address);
  if (!group.row.domains.includes(domain) && group.row.domains.length < MAX_DOMAINS) group.row.domains.push(domain);
  if (at < new Date(group.row.firstAt).getTime()) group.row.firstAt = toIso(at)!;
  if (at > group.lastMs) {
    group.lastMs = at;
    group.row.lastAt = toIso(at)!;
    group.row.lastCode = (event.rawCode as string | null) ?? null;
    group.row.lastText = (event.rawText as string | null) ?? null;
  }
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async report(query: Pick<ReportQuery, 'from' | 'to' | 'timeZone' | 'tzOffsetMinutes'>): Promise<SenderBlockReport> {
    periodDays(query);
    const { zone, name } = zoneOf(query);
    const start = new Date(zonedDayStart(query.from, zone)!);
    const end = new Date(zonedDayStart(addDays(query.to, 1), zone)!);

    const groups = new Map<string, Group>();
    for (let offset = 0; ; offset += PAGE) {
      const events = await table(strapi, UID.event).findMany({
        select: FIELDS,
        where: { kind: 'sender_block', occurredAt: { $gte: start, $lt: end } },
        orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
        offset,
        limit: PAGE,
      });
      events.forEach((event) => addTo(groups, event));
      if (events.length < PAGE) break;
    }
    const rows = [...groups.values()].map((g) => ({ ...g.row, addresses: g.addresses.size }));
    rows.sort((a, b) => b.events - a.events || a.mailboxProvider.localeCompare(b.mailboxProvider));
    return { from: query.from, to: query.to, timeZone: name, rows, total: rows.reduce((sum, r) => sum + r.events, 0) };
  },
});
