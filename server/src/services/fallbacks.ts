import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { normalizeAddress } from '../core/addresses';
import { categoryPolicyOf, otherChannel } from '../core/categories';
import type { Channel } from '../core/events';
import { eventReason, reasonPart, type ReasonCode, type ReasonPart } from '../core/reasons';
import { insertRows } from '../utils/bulk';
import { getService, table, toMs, type Row } from '../utils/plugin';
import { UID } from '../utils/uids';

/**
 * Falling back to the other channel. A message whose category falls back (critical, by default)
 * and that did not reach the student (dropped at an unusable address, bounced, failed) is sent
 * again on the other channel, to the contact's other address, with the version its sender gave.
 *
 * `createFor` runs inside the transaction that decided the failure, which holds the failed
 * message's row lock (the begin stage, or the intake), so the fallback commits with the failure
 * or not at all, and two reports of one bounce, on two instances, decide it once. The unique
 * index on `fallbackOf` backs that up. Each decision is on record as a `fallback` event on the
 * failed message: the link to its fallback, or why there is none.
 *
 * The fallback messages are created held under a lease of their own; once the transaction has
 * committed, `dispatch` sends them. If the process dies first, the lease expires and the retrier
 * sends them.
 */

/** Fallback messages created in a transaction, held under `owner` until they are sent. */
export interface CreatedFallbacks {
  owner: string;
  ids: number[];
}

/** What one failed message's fallback came to: a new message on the other channel, or why not. */
type FallbackDecision = { kind: 'sent'; address: string; contact: { type: string; documentId: string } } | { kind: 'none'; code: ReasonCode };

const FIELDS = ['id', 'documentId', 'channel', 'category', 'fallbackContent', 'fallbackOf', 'fallbackMessage', 'contactType', 'contactDocumentId', 'source', 'sourceName', 'bulkSendId'];

const channelLabel = (channel: Channel): string => (channel === 'sms' ? 'SMS' : 'email');

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const logs = () => table(strapi, UID.log);
  const inFlight = new Set<Promise<unknown>>();

  /** The failed messages that fall back and have not been decided yet (read under the caller's locks). */
  async function undecided(ids: number[]): Promise<Row[]> {
    if (ids.length === 0) return [];
    const policies = getService(strapi, 'config').get().categories;
    const rows = await logs().findMany({ select: FIELDS, where: { id: { $in: ids } }, orderBy: { id: 'asc' } });
    // A fallback never falls back in turn; a message falls back once.
    const candidates = rows.filter((row) => categoryPolicyOf(policies, row.category as string | null).fallback && !row.fallbackOf && !row.fallbackMessage);
    if (candidates.length === 0) return [];
    const decided = await table(strapi, UID.event).findMany({
      select: ['eventKey'],
      where: { eventKey: { $in: candidates.map((row) => `fallback:${row.documentId}`) } },
    });
    const done = new Set(decided.map((event) => event.eventKey as string));
    return candidates.filter((row) => !done.has(`fallback:${row.documentId}`));
  }

  /** Where the fallback goes: the contact's address on the other channel, as it is now. */
  async function targetOf(row: Row): Promise<FallbackDecision> {
    if (!row.fallbackContent) return { kind: 'none', code: 'fallback.noContent' };
    if (!row.contactType || !row.contactDocumentId) return { kind: 'none', code: 'fallback.noContact' };
    const contact = { type: row.contactType as string, documentId: row.contactDocumentId as string };
    const found = await getService(strapi, 'contacts').find(contact);
    if (!found) return { kind: 'none', code: 'fallback.noContact' };
    const channel = otherChannel(row.channel as Channel);
    const raw = channel === 'email' ? found.email : found.mobile;
    const address = raw ? normalizeAddress(channel, raw) : null;
    return address ? { kind: 'sent', address, contact } : { kind: 'none', code: 'fallback.noAddress' };
  }

  /** A `fallback` event on one end of the link (the key makes it once per message). */
  function fallbackEvent(
    row: Row,
    { eventKey, channel, address, outcome, why }: { eventKey: string; channel: Channel; address: string | null; outcome: 'applied' | 'no_change'; why: ReasonPart[] },
    at: Date,
  ): Record<string, unknown> {
    return {
      eventKey,
      logDocumentId: row.documentId,
      kind: 'fallback',
      outcome,
      channel,
      address,
      provider: 'plugin',
      occurredAt: at,
      rawType: 'fallback',
      ...eventReason(why),
      createdAt: at,
      updatedAt: at,
    };
  }

  /** The fallback message itself, held under `lease`, and the link from the failed one. */
  async function createMessage(
    trx: Knex.Transaction,
    row: Row,
    target: Extract<FallbackDecision, { kind: 'sent' }>,
    lease: { owner: string; expiresAt: Date },
    at: Date,
  ): Promise<Row> {
    const channel = otherChannel(row.channel as Channel);
    const created = await logs().create({
      data: {
        channel,
        address: target.address,
        contactType: target.contact.type,
        contactDocumentId: target.contact.documentId,
        source: row.source,
        sourceName: row.sourceName,
        status: 'queued',
        attempts: 0,
        content: row.fallbackContent,
        category: row.category,
        fallbackOf: row.documentId,
        bulkSendId: row.bulkSendId ?? null,
        leaseOwner: lease.owner,
        leaseExpiresAt: lease.expiresAt,
        publishedAt: at,
      },
    });
    // Counted by the reports' roll-up in the same transaction, as every new message is.
    await getService(strapi, 'report-rollup').record(trx, [{ createdAt: toMs(created.createdAt) ?? at.getTime(), channel, from: null, to: 'queued' }]);
    await logs().update({ where: { id: row.id }, data: { fallbackMessage: created.documentId, updatedAt: at } });
    return created;
  }

  return {
    /**
     * For the messages `ids` that just failed (their rows locked by the caller's transaction
     * `trx`): the fallback messages of those whose category falls back, and a `fallback` event on
     * each failed message saying what became of it. Returns the new messages, to `dispatch` once
     * the transaction has committed.
     */
    async createFor(trx: Knex.Transaction, ids: number[], now: number): Promise<CreatedFallbacks | null> {
      // Query Engine calls join the caller's transaction through Strapi's context; raw inserts take `trx`.
      const rows = await undecided(ids);
      if (rows.length === 0) return null;
      const lease = getService(strapi, 'leases').create();
      const at = new Date(now);
      const events: Record<string, unknown>[] = [];
      const created: number[] = [];
      for (const row of rows) {
        const channel = row.channel as Channel;
        const params = { channel: channelLabel(channel), other: channelLabel(otherChannel(channel)) };
        const target = await targetOf(row);
        const eventKey = `fallback:${row.documentId}`;
        if (target.kind === 'none') {
          events.push(fallbackEvent(row, { eventKey, channel, address: null, outcome: 'no_change', why: [reasonPart(target.code, params)] }, at));
          continue;
        }
        const message = await createMessage(trx, row, target, lease, at);
        created.push(message.id);
        events.push(fallbackEvent(row, { eventKey, channel, address: null, outcome: 'applied', why: [reasonPart('fallback.sent', { ...params, message: message.documentId })] }, at));
        const reverse = reasonPart('fallback.of', { channel: params.other, other: params.channel, message: row.documentId });
        events.push(
          fallbackEvent(message, { eventKey: `fallback-of:${message.documentId}`, channel: otherChannel(channel), address: target.address, outcome: 'applied', why: [reverse] }, at),
        );
      }
      await insertRows(strapi, trx, UID.event, events);
      return created.length > 0 ? { owner: lease.owner, ids: created } : null;
    },

    /**
     * Sends fallback messages created in a transaction that has now committed. Not awaited by the
     * caller (a webhook answers its provider without waiting for an SMS); `drain` waits for it.
     */
    dispatch(created: CreatedFallbacks | null): void {
      if (!created) return;
      const sending = getService(strapi, 'leases')
        .keepWhile(created.owner, () =>
          getService(strapi, 'attempts').attemptBatch(
            created.ids.map((id) => ({ id })),
            created.owner,
          ),
        )
        .catch((error: Error) => strapi.log.error(`[deliverability] a fallback could not be sent now (the retrier will): ${error.message}`))
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    },

    /** Waits for the fallbacks being sent (shutdown, and tests). */
    async drain(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
};
