import type { Core } from '@strapi/strapi';
import type { Channel } from '../core/events';
import { ADDRESS_STATES, type AddressState } from '../core/statuses';
import { getService, table, type Row, toIso } from '../utils/plugin';
import { builder, columnsOf, toCount } from '../utils/sql';
import { UID } from '../utils/uids';
import type { SuppressionList, SuppressionQuery } from '../contract';
import { ledgerStateView } from './logs';

/**
 * The suppression list: ledger rows that are not simply active (suppressed, or soft-bouncing on
 * the way to it), each with its reason, the provider's code, when it happened, and the message
 * (and student) that caused it.
 */

/** States the list shows when none is chosen: everything but plain active. */
export const LISTED_STATES: readonly AddressState[] = ADDRESS_STATES.filter((s) => s !== 'active');

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The ledger rows the list's filters select (the page and its CSV export alike). */
export function suppressionWhere(query: Pick<SuppressionQuery, 'q' | 'channel' | 'state'>): Record<string, unknown> {
  const where: Record<string, unknown> = { state: query.state ? query.state : { $in: [...LISTED_STATES] } };
  if (query.channel) where.channel = query.channel;
  // Addresses are stored normalized (lower-case emails, E.164 numbers): a case-insensitive "contains" finds them.
  const search = query.q?.trim();
  if (search) where.address = { $containsi: search };
  return where;
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async list(query: SuppressionQuery): Promise<SuppressionList> {
    const where = suppressionWhere(query);
    const c = columnsOf(strapi, UID.address, ['channel', 'state'] as const);
    // Per-state counts ignore the state filter, so the filter can show how many each choice holds.
    const byStateQuery = builder(strapi, UID.address).select({ state: c.state }).count({ n: '*' }).groupBy(c.state);
    if (query.channel) byStateQuery.where(c.channel, query.channel);
    const [ordered, total, byState] = await Promise.all([
      table(strapi, UID.address).findMany({
        where,
        orderBy: [{ stateChangedAt: 'desc' }, { id: 'desc' }],
        offset: (query.page - 1) * query.pageSize,
        limit: query.pageSize,
      }),
      table(strapi, UID.address).count({ where }),
      byStateQuery as unknown as Promise<{ state: string; n: unknown }[]>,
    ]);

    const logIds = [...new Set(ordered.map((e) => text(e.stateLogDocumentId)).filter((id): id is string => id !== null))];
    const logs = logIds.length > 0 ? await table(strapi, UID.log).findMany({ where: { documentId: { $in: logIds } } }) : [];
    const logsById = new Map(logs.map((l) => [l.documentId, l]));
    const contacts = await this.contactNames(logs);

    const counts = Object.fromEntries(ADDRESS_STATES.map((s) => [s, 0])) as Record<AddressState, number>;
    for (const row of byState)
      if ((ADDRESS_STATES as readonly string[]).includes(row.state)) counts[row.state as AddressState] = toCount(row.n);

    return {
      results: ordered.map((entry) => {
        const log = logsById.get(entry.stateLogDocumentId as string);
        const contactKey = log ? `${String(log.contactType)}:${String(log.contactDocumentId)}` : null;
        return {
          ...ledgerStateView(entry.channel as Channel, entry),
          documentId: entry.documentId,
          address: String(entry.address),
          message: log
            ? {
                documentId: log.documentId,
                source: String(log.source),
                sourceName: text(log.sourceName),
                status: String(log.status),
                createdAt: toIso(log.createdAt),
                contact: (contactKey && contacts.get(contactKey)) || null,
              }
            : null,
        };
      }),
      pagination: { page: query.page, pageSize: query.pageSize, pageCount: Math.ceil(total / query.pageSize), total },
      counts,
    };
  },

  /** Display names of the students these messages went to: one query per contact type. */
  async contactNames(logs: Row[]): Promise<Map<string, { type: string; documentId: string; displayName: string }>> {
    const contactsService = getService(strapi, 'contacts');
    const byType = new Map<string, Set<string>>();
    for (const log of logs) {
      const type = text(log.contactType);
      const id = text(log.contactDocumentId);
      if (!type || !id) continue;
      byType.set(type, (byType.get(type) ?? new Set()).add(id));
    }
    const names = new Map<string, { type: string; documentId: string; displayName: string }>();
    for (const [type, ids] of byType) {
      const source = contactsService.source(type);
      if (!source) continue;
      const rows = await table(strapi, source.uid).findMany({ where: { documentId: { $in: [...ids] } } });
      for (const row of rows) {
        const summary = contactsService.summarize(source, row);
        names.set(`${type}:${row.documentId}`, { type, documentId: row.documentId, displayName: summary.displayName });
      }
    }
    return names;
  },
});
