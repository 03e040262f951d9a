import type { Core } from '@strapi/strapi';
import { normalizeAddress } from '../core/addresses';
import { CHANNELS, type Channel } from '../core/events';
import { getService, table, type Row, type TableQuery } from '../utils/plugin';
import { UID } from '../utils/uids';
import { addressField, type ContactRef, type ContactSource } from './contacts';

/**
 * The contact-address index: (contact type, document id) → normalized address, per channel. Sites
 * keep addresses as typed, so every look-up of a contact by address goes through here rather than
 * through the host's column. It is derived data, rebuilt from the contacts themselves: after each
 * Document Service write of a contact type (a middleware), and at boot for rows written any other
 * way (before the plugin was installed, or straight through the Query Engine).
 */

/** Document Service actions after which a document's rows, and so its addresses, may differ. */
const WRITE_ACTIONS = new Set(['create', 'update', 'delete', 'clone', 'publish', 'unpublish', 'discardDraft']);
/** Contacts per back-fill step: each step is one transaction of a few statements. */
const BATCH = 1_000;
/** Ids per `$in` list: far below every database's parameter limit. */
const IN_CHUNK = 500;
/** Back-fill progress is logged about this often (in contacts checked). */
const PROGRESS_EVERY = 5_000;

interface IndexQuery extends TableQuery {
  // The index is the one table the plugin bulk-deletes from: its rows are derived, never history.
  deleteMany(params: { where: Record<string, unknown> }): Promise<{ count: number }>;
}

export interface DocumentsContext {
  uid: string;
  action: string;
  params: unknown;
}

const entryKey = (documentId: string, channel: string, address: string): string => `${documentId}\u0000${channel}\u0000${address}`;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const count = (n: number): string => n.toLocaleString('en-GB');

export default ({ strapi }: { strapi: Core.Strapi }) => {
  // The Query Engine is typed against the host's UIDs; this is the plugin's own table.
  const index = (): IndexQuery => table(strapi, UID.contactAddress) as IndexQuery;

  /** Makes the index rows of these documents equal to the addresses their rows hold now (all versions and locales). */
  async function reconcile(source: ContactSource, documentIds: string[]): Promise<{ added: number; removed: number }> {
    const fields = CHANNELS.map((channel) => ({ channel, field: addressField(source, channel) })).filter(
      (f): f is { channel: Channel; field: string } => f.field !== null,
    );
    let added = 0;
    let removed = 0;
    for (const ids of chunks([...new Set(documentIds)], IN_CHUNK)) {
      const rows = await table(strapi, source.uid).findMany({ where: { documentId: { $in: ids } }, select: ['documentId', ...fields.map((f) => f.field)] });
      const wanted = new Map<string, { documentId: string; channel: Channel; address: string }>();
      for (const row of rows) {
        for (const { channel, field } of fields) {
          const raw = row[field];
          const address = typeof raw === 'string' ? normalizeAddress(channel, raw) : null;
          if (address) wanted.set(entryKey(row.documentId, channel, address), { documentId: row.documentId, channel, address });
        }
      }
      const existing = await index().findMany({
        where: { contactType: source.uid, contactDocumentId: { $in: ids } },
        select: ['id', 'contactDocumentId', 'channel', 'address'],
        // Oldest first: two processes reconciling at once keep the same copy of a duplicate.
        orderBy: { id: 'asc' },
      });
      const kept = new Set<string>();
      const stale: number[] = [];
      for (const entry of existing) {
        const key = entryKey(entry.contactDocumentId as string, entry.channel as string, entry.address as string);
        // A duplicate (two processes back-filling at once) goes the way of an address no longer used.
        if (wanted.has(key) && !kept.has(key)) kept.add(key);
        else stale.push(entry.id);
      }
      const missing = [...wanted.entries()].filter(([key]) => !kept.has(key)).map(([, entry]) => entry);
      if (stale.length > 0) removed += (await index().deleteMany({ where: { id: { $in: stale } } })).count;
      if (missing.length > 0) {
        const now = new Date();
        await index().createMany({
          data: missing.map((entry) => ({
            contactType: source.uid,
            contactDocumentId: entry.documentId,
            channel: entry.channel,
            address: entry.address,
            // As the Document Service would set it: the type has no drafts.
            publishedAt: now,
          })),
        });
        added += missing.length;
      }
    }
    return { added, removed };
  }

  /** Every row of a type, in id order, a batch at a time. */
  async function* batches(query: TableQuery, where: Record<string, unknown>, select: string[]): AsyncGenerator<Row[]> {
    let lastId = 0;
    for (;;) {
      const rows = await query.findMany({ where: { ...where, id: { $gt: lastId } }, select: ['id', ...select], orderBy: { id: 'asc' }, limit: BATCH });
      if (rows.length === 0) return;
      yield rows;
      lastId = rows[rows.length - 1].id;
    }
  }

  return {
    /** The contacts that use a normalized address (or one that normalizes to it), oldest entry first. */
    /**
     * The contacts using each of many normalized addresses, in one query per channel and chunk: a
     * webhook batch's mirrors and announcements need them for every address it changed. Keyed by
     * `channel:address`.
     */
    async contactsUsingMany(pairs: { channel: Channel; address: string }[]): Promise<Map<string, ContactRef[]>> {
      const found = new Map<string, ContactRef[]>();
      for (const channel of CHANNELS) {
        const addresses = [...new Set(pairs.filter((p) => p.channel === channel).map((p) => p.address))];
        for (const chunk of chunks(addresses, IN_CHUNK)) {
          const entries = await index().findMany({
            where: { channel, address: { $in: chunk } },
            select: ['address', 'contactType', 'contactDocumentId'],
            orderBy: { id: 'asc' },
          });
          for (const entry of entries) {
            const key = `${channel}:${entry.address as string}`;
            const refs = found.get(key) ?? [];
            if (!refs.some((r) => r.type === entry.contactType && r.documentId === entry.contactDocumentId)) {
              refs.push({ type: entry.contactType as string, documentId: entry.contactDocumentId as string });
            }
            found.set(key, refs);
          }
        }
      }
      return found;
    },

    async contactsUsing(channel: Channel, rawAddress: string, limit?: number): Promise<ContactRef[]> {
      const address = normalizeAddress(channel, rawAddress);
      if (!address) return [];
      const entries = await index().findMany({
        where: { channel, address },
        select: ['contactType', 'contactDocumentId'],
        orderBy: { id: 'asc' },
        ...(limit ? { limit } : {}),
      });
      const seen = new Set<string>();
      const refs: ContactRef[] = [];
      for (const entry of entries) {
        const ref = { type: entry.contactType as string, documentId: entry.contactDocumentId as string };
        const key = `${ref.type}\u0000${ref.documentId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        refs.push(ref);
      }
      return refs;
    },

    /** Re-reads these contacts' addresses into the index. Joins the caller's transaction. */
    async refresh(source: ContactSource, documentIds: string[]): Promise<void> {
      await reconcile(source, documentIds);
    },

    /**
     * A Document Service middleware: after a write of a configured contact type, the written
     * documents' index rows follow, in the same transaction as the write.
     */
    middleware() {
      return async (context: DocumentsContext, next: () => Promise<unknown>): Promise<unknown> => {
        if (!WRITE_ACTIONS.has(context.action)) return next();
        const source = getService(strapi, 'contacts').source(context.uid);
        if (!source) return next();
        return strapi.db.transaction(async () => {
          const result = await next();
          const ids = new Set<string>();
          const given = (context.params as { documentId?: unknown } | undefined)?.documentId;
          if (typeof given === 'string') ids.add(given);
          // create and clone make a new document id; delete and publish answer { documentId, entries }.
          const made = (result as { documentId?: unknown } | null | undefined)?.documentId;
          if (typeof made === 'string') ids.add(made);
          if (ids.size > 0) await reconcile(source, [...ids]);
          return result;
        });
      };
    },

    /**
     * At boot: indexes every contact of every configured type, removes entries whose contact is
     * gone or whose type is no longer configured. Idempotent: a second run changes nothing. Logs
     * counts only, never an address.
     */
    async backfill(): Promise<void> {
      const sources = getService(strapi, 'contacts').sources();
      const unconfigured = await index().deleteMany({ where: { contactType: { $notIn: sources.map((s) => s.uid) } } });
      if (unconfigured.count > 0) strapi.log.info(`[deliverability] address index: removed ${count(unconfigured.count)} entries of types no longer configured`);
      for (const source of sources) {
        const host = table(strapi, source.uid);
        const contentType = (strapi.contentTypes as unknown as Record<string, { info?: { pluralName?: string } } | undefined>)[source.uid];
        const noun = contentType?.info?.pluralName ?? source.uid;
        const total = await host.count();
        let checked = 0;
        let added = 0;
        let removed = 0;
        for await (const rows of batches(host, {}, ['documentId'])) {
          const result = await strapi.db.transaction(() => reconcile(source, rows.map((r) => r.documentId)));
          added += result.added;
          removed += result.removed;
          const before = checked;
          checked += rows.length;
          if (Math.floor(checked / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY) && checked < total) {
            strapi.log.info(`[deliverability] address index: indexed ${count(checked)} of ${count(total)} ${noun}`);
          }
        }
        // Entries whose contact was deleted while the index was not watching (a Query Engine delete, say).
        for await (const entries of batches(index(), { contactType: source.uid }, ['contactDocumentId'])) {
          const ids = [...new Set(entries.map((e) => e.contactDocumentId as string))];
          const present = new Set((await host.findMany({ where: { documentId: { $in: ids } }, select: ['documentId'] })).map((r) => r.documentId));
          const gone = entries.filter((e) => !present.has(e.contactDocumentId as string)).map((e) => e.id);
          if (gone.length > 0) removed += (await index().deleteMany({ where: { id: { $in: gone } } })).count;
        }
        strapi.log.info(
          `[deliverability] address index: indexed ${count(checked)} of ${count(total)} ${noun} (${count(added)} addresses added, ${count(removed)} removed)`,
        );
      }
    },
  };
};
