import type { Core } from '@strapi/strapi';
import { normalizeAddress } from '../core/addresses';
import { isReasonData, type ReasonPart } from '../core/reasons';
import { CHANNELS, UNMATCHED_OUTCOMES, type Channel } from '../core/events';
import { LISTED_RAW_TYPE_PREFIX } from '../core/listed';
import { ADDRESS_STATES, MESSAGE_STATUSES, type AddressState, type MessageStatus } from '../core/statuses';
import { AdminApiError } from '../utils/admin-error';
import { ERASED_REASON } from './ledger';
import { getService, table, type Row, toIso } from '../utils/plugin';
import { builder, columnsOf, countEqual, toCount } from '../utils/sql';
import { UID } from '../utils/uids';
import { DEFAULT_CATEGORY_POLICIES, refusesMessageOf, type CategoryPolicies } from '../core/categories';
import type {
  AddressStatus,
  AddressSummary,
  AuditView,
  ContactDeliverability,
  ContactLogs,
  ContactRef,
  ContactSummary,
  EventView,
  LedgerStateView,
  LogFilters,
  LogView,
  Page,
  ProviderLift,
  UnmatchedQuery,
} from '../contract';

/**
 * Full Logs: one student's messages on both channels, newest first, each with every attempt and
 * provider event and the reason the plugin gave for each decision; the side panel's summary; the
 * address statuses the list view needs; and the events that matched no message.
 */

export const RETRYABLE_STATUSES: readonly MessageStatus[] = ['deferred', 'failed'];

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** A JSON column comes back parsed, or (on some drivers) as its text. */
function reasonDataOf(value: unknown): ReasonPart[] | null {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return isReasonData(parsed) ? parsed : null;
}

export function eventView(row: Row): EventView {
  return {
    documentId: row.documentId,
    kind: String(row.kind),
    outcome: String(row.outcome),
    channel: String(row.channel),
    address: text(row.address),
    provider: text(row.provider),
    providerMessageId: text(row.providerMessageId),
    attempt: row.attempt === null || row.attempt === undefined ? null : Number(row.attempt),
    occurredAt: toIso(row.occurredAt),
    receivedAt: toIso(row.createdAt),
    rawType: text(row.rawType),
    rawCode: text(row.rawCode),
    rawText: text(row.rawText),
    severity: text(row.severity),
    reason: text(row.reason),
    reasonData: reasonDataOf(row.reasonData),
  };
}

function subjectOf(content: unknown): string | null {
  if (content && typeof content === 'object' && 'subject' in content) return text((content as { subject?: unknown }).subject);
  return null;
}

/** `categories`: the site's category policies, which say whether the address still takes this message (retryable). */
export function logView(
  row: Row,
  events: EventView[] = [],
  audit: AuditView[] = [],
  addressState: AddressState = 'active',
  categories: CategoryPolicies = DEFAULT_CATEGORY_POLICIES,
): LogView {
  const status = row.status as MessageStatus;
  return {
    documentId: row.documentId,
    channel: row.channel as Channel,
    address: String(row.address),
    contactType: text(row.contactType),
    contactDocumentId: text(row.contactDocumentId),
    source: String(row.source ?? 'api'),
    sourceName: text(row.sourceName),
    subject: subjectOf(row.content),
    status,
    statusReason: text(row.statusReason),
    statusReasonData: reasonDataOf(row.statusReasonData),
    attempts: Number(row.attempts ?? 0),
    firstAttemptAt: toIso(row.firstAttemptAt),
    nextAttemptAt: toIso(row.nextAttemptAt),
    lastEventAt: toIso(row.lastEventAt),
    provider: text(row.provider),
    providerMessageId: text(row.providerMessageId),
    lastError: text(row.lastError),
    createdAt: toIso(row.createdAt),
    category: text(row.category),
    fallbackOf: text(row.fallbackOf),
    fallbackMessage: text(row.fallbackMessage),
    addressState,
    retryable: RETRYABLE_STATUSES.includes(status) && !refusesMessageOf(categories, text(row.category), addressState),
    events,
    audit,
  };
}

/** A ledger row (or none: a clean address) as the admin shows it. */
export function ledgerStateView(channel: Channel, row: Row | null): LedgerStateView {
  return {
    channel,
    state: (row?.state as AddressState | undefined) ?? 'active',
    reason: text(row?.reason),
    providerCode: text(row?.providerCode),
    provider: text(row?.provider),
    since: toIso(row?.stateChangedAt),
    softBounceCount: Number(row?.softBounceCount ?? 0),
    reactivatedAt: toIso(row?.reactivatedAt),
    reactivatedBy: text(row?.reactivatedBy),
  };
}

export function addressSummary(channel: Channel, address: string | null, row: Row | null): AddressSummary {
  return { ...ledgerStateView(channel, row), address, reactivationReason: text(row?.reactivationReason) };
}

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}
export function isMessageStatus(value: unknown): value is MessageStatus {
  return typeof value === 'string' && (MESSAGE_STATUSES as readonly string[]).includes(value);
}
export function isAddressState(value: unknown): value is AddressState {
  return typeof value === 'string' && (ADDRESS_STATES as readonly string[]).includes(value);
}

/** Most addresses one status look-up answers: two per row of the largest Content Manager page. */
export const MAX_LOOKUP = 200;

/** Items by a key, each list in the items' order; items without a key are left out. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /**
   * Events, audit entries and address states of these messages (a query each; the states, one a
   * channel), grouped by message. The three need only the rows, so they are asked at once: on PostgreSQL and MySQL each
   * costs a round trip, and they then overlap (SQLite's one connection takes them in turn).
   */
  async function historyOf(rows: Row[]): Promise<LogView[]> {
    const ids = rows.map((r) => r.documentId);
    const [events, audit, states] = await Promise.all([eventsByLog(ids), auditByLog(ids), addressStates(rows)]);
    const categories = getService(strapi, 'config').get().categories;
    return rows.map((row) =>
      logView(row, events.get(row.documentId) ?? [], audit.get(row.documentId) ?? [], states.get(`${row.channel as string}:${row.address as string}`) ?? 'active', categories),
    );
  }

  async function eventsByLog(ids: string[]): Promise<Map<string, EventView[]>> {
    if (ids.length === 0) return new Map();
    const events = await table(strapi, UID.event).findMany({
      where: { logDocumentId: { $in: ids } },
      // The order things happened, then the order they were stored (an attempt before the report about it).
      orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
    });
    const byLog = new Map<string, EventView[]>();
    for (const [log, rows] of groupBy(events, (event) => event.logDocumentId as string)) byLog.set(log, rows.map(eventView));
    return byLog;
  }

  async function auditByLog(ids: string[]): Promise<Map<string, AuditView[]>> {
    return groupBy(await getService(strapi, 'audit').forLogs(ids), (entry) => entry.logDocumentId);
  }

  /** The ledger state of these messages' addresses, one query per channel. */
  async function addressStates(rows: Row[]): Promise<Map<string, AddressState>> {
    const states = new Map<string, AddressState>();
    const read = async (channel: Channel): Promise<void> => {
      const addresses = [...new Set(rows.filter((r) => r.channel === channel).map((r) => r.address as string))];
      if (addresses.length === 0) return;
      const found = await table(strapi, UID.address).findMany({
        where: { channel, address: { $in: addresses } },
        select: ['address', 'state'],
      });
      for (const row of found) states.set(`${channel}:${row.address as string}`, row.state as AddressState);
    };
    await Promise.all(CHANNELS.map(read));
    return states;
  }

  async function resolveContact(ref: ContactRef): Promise<ContactSummary> {
    const contact = await getService(strapi, 'contacts').find(ref);
    if (!contact) throw new AdminApiError(404, 'No such contact.');
    return contact;
  }

  return {
    /** A contact's messages, newest first, a page at a time, with their full history. */
    async forContact(ref: ContactRef, filters: LogFilters): Promise<ContactLogs> {
      const where: Record<string, string> = { contactType: ref.type, contactDocumentId: ref.documentId };
      if (filters.channel) where.channel = filters.channel;
      if (filters.status) where.status = filters.status;
      // The student, their page and its count at once (one round trip's wait, not three); a
      // student who does not exist is still a 404, the page read for nothing.
      const [contact, rows, total] = await Promise.all([
        resolveContact(ref),
        table(strapi, UID.log).findMany({
          where,
          // Newest first; the id breaks ties between messages created in the same millisecond.
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          offset: (filters.page - 1) * filters.pageSize,
          limit: filters.pageSize,
        }),
        countEqual(strapi, UID.log, where),
      ]);
      return {
        contact,
        results: await historyOf(rows),
        pagination: { page: filters.page, pageSize: filters.pageSize, pageCount: Math.ceil(total / filters.pageSize), total },
      };
    },

    /** One message with its full history. */
    async get(documentId: string): Promise<LogView> {
      const row = await table(strapi, UID.log).findOne({ where: { documentId } });
      if (!row) throw new AdminApiError(404, 'No such message.');
      const [view] = await historyOf([row]);
      return view;
    },

    /** The side panel: each address's state and why, the last few messages, and counts by channel and status. */
    async summary(ref: ContactRef, lastCount = 5): Promise<ContactDeliverability> {
      const contact = await resolveContact(ref);
      const ledger = getService(strapi, 'ledger');
      const addresses: AddressSummary[] = [];
      for (const [channel, address] of [
        ['email', contact.email],
        ['sms', contact.mobile],
      ] as const) {
        const found = address ? await ledger.find(channel, address) : null;
        const summary = addressSummary(channel, found?.address ?? address, found?.row ?? null);
        // What the last reactivation's push did at the providers (services/suppression-push.ts).
        const lifted = found?.row
          ? await getService(strapi, 'audit').latestFor('lift-provider-suppressions', channel, found.address)
          : null;
        const withLifts = lifted ? { ...summary, providerLifts: (lifted.after as { lifts?: ProviderLift[] } | null)?.lifts ?? null } : summary;
        const verification = found?.address ? await getService(strapi, 'verification').pendingFor(channel, found.address) : null;
        addresses.push(verification ? { ...withLifts, verification } : withLifts);
      }
      const recent = await table(strapi, UID.log).findMany({
        where: { contactType: contact.type, contactDocumentId: contact.documentId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        limit: lastCount,
      });
      // One grouped query over the contact's index, however many messages the student has had.
      const c = columnsOf(strapi, UID.log, ['contactType', 'contactDocumentId', 'channel', 'status'] as const);
      const grouped = (await builder(strapi, UID.log)
        .select({ channel: c.channel, status: c.status })
        .count({ n: '*' })
        .where(c.contactType, contact.type)
        .andWhere(c.contactDocumentId, contact.documentId)
        .groupBy(c.channel, c.status)) as { channel: Channel; status: MessageStatus; n: unknown }[];
      const counts: ContactDeliverability['counts'] = { email: { total: 0 }, sms: { total: 0 } };
      for (const g of grouped) {
        if (!isChannel(g.channel)) continue;
        const n = toCount(g.n);
        counts[g.channel][g.status] = n;
        counts[g.channel].total += n;
      }
      const states = new Map(addresses.map((a) => [`${a.channel}:${a.address ?? ''}`, a.state]));
      const lastMessages = recent.map((row) =>
        logView(row, [], [], states.get(`${row.channel as string}:${row.address as string}`) ?? 'active', getService(strapi, 'config').get().categories),
      );
      const addressChanges = await getService(strapi, 'address-changes').forContact({ type: contact.type, documentId: contact.documentId });
      return { contact, addresses, lastMessages, counts, addressChanges };
    },

    /** The ledger state of many addresses at once: one request for every row of a list page. */
    async addressStatuses(items: { channel: Channel; address: string }[]): Promise<AddressStatus[]> {
      if (items.length > MAX_LOOKUP) throw new AdminApiError(400, `Ask for at most ${MAX_LOOKUP} addresses at once.`);
      const normalized = items.map((item) => ({ ...item, normalized: normalizeAddress(item.channel, item.address) }));
      const rows = new Map<string, Row>();
      for (const channel of CHANNELS) {
        const wanted = [...new Set(normalized.filter((n) => n.channel === channel && n.normalized).map((n) => n.normalized as string))];
        if (wanted.length === 0) continue;
        for (const row of await table(strapi, UID.address).findMany({ where: { channel, address: { $in: wanted } } })) {
          rows.set(`${channel}:${row.address as string}`, row);
        }
        // An erased student's suppressed address has no row, only its hash (services/erasure.ts).
        const missing = wanted.filter((address) => !rows.has(`${channel}:${address}`));
        for (const [address, state] of await getService(strapi, 'ledger').erasedStates(channel, missing)) {
          rows.set(`${channel}:${address}`, { id: 0, documentId: '', state, reason: ERASED_REASON } as Row);
        }
      }
      return normalized.map((item) => {
        const row = item.normalized ? (rows.get(`${item.channel}:${item.normalized}`) ?? null) : null;
        return {
          channel: item.channel,
          address: item.address,
          normalized: item.normalized,
          state: (row?.state as AddressState | undefined) ?? 'active',
          reason: text(row?.reason),
          providerCode: text(row?.providerCode),
          since: toIso(row?.stateChangedAt),
        };
      });
    },

    /** Events that matched no message (mail from another system, or a message deleted since) and the items of a batch that could not be read at all, newest first. */
    async unmatched(filters: UnmatchedQuery): Promise<Page<EventView>> {
      const where: Record<string, unknown> = { outcome: filters.outcome ?? { $in: [...UNMATCHED_OUTCOMES] } };
      // Entries pulled from a provider's suppression list concern an address, never a message.
      where.$not = { rawType: { $startsWith: LISTED_RAW_TYPE_PREFIX } };
      if (filters.provider) where.provider = filters.provider;
      if (filters.channel) where.channel = filters.channel;
      const [rows, total] = await Promise.all([
        table(strapi, UID.event).findMany({
          where,
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          offset: (filters.page - 1) * filters.pageSize,
          limit: filters.pageSize,
        }),
        table(strapi, UID.event).count({ where }),
      ]);
      return {
        results: rows.map(eventView),
        pagination: { page: filters.page, pageSize: filters.pageSize, pageCount: Math.ceil(total / filters.pageSize), total },
      };
    },
  };
};
