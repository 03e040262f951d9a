import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { MessageInputError, checkCategory } from '../core/message-input';
import { DEFAULT_BULK_CATEGORY } from '../core/categories';
import { validateBulkSendInput, type BulkSendInput } from '../core/bulk-input';
import { MESSAGE_STATUSES, type MessageStatus } from '../core/statuses';
import type { BreakerTrip } from '../core/bulk-breaker';
import type { BreakerPauseEntry, BulkPauseView, CategoryList, BulkPreview, BulkSendStatus, BulkSendView, MailboxProviderRow, Page, StatusCounts } from '../contract';
import { groupByMailboxProvider } from '../core/mailbox-providers';
import { getService, table, toIso, type Row } from '../utils/plugin';
import { builder, columnsOf, toCount } from '../utils/sql';
import { UID } from '../utils/uids';
import { SendRefusedError } from './messages';
import type { AuditInput } from './audit';

/**
 * Bulk sends (Grabs): creating one (checked whole, then its messages queued in chunks, in one
 * transaction), its progress, and an editor's pause, resume and cancel. The queue worker
 * (bulk-worker.ts) hands the messages over.
 *
 * A queued message of a bulk send waits *parked*: its lease is held by `PARKED_OWNER` until a
 * far-off date, so the retrier (which takes queued messages whose lease is free or expired) leaves
 * it alone, and only the bulk worker, which honours pause, cancel and the pace, takes it.
 */
export const PARKED_OWNER = 'bulk:parked';
export const PARKED_UNTIL = new Date('2999-01-01T00:00:00.000Z');

/**
 * The retrier's claim keeps to this (retrier.ts, `claimDue`): a paused send's messages wait until
 * it is resumed (then they go at their time, or at the next tick if it has passed), whatever
 * they wait for (quiet hours, a re-send); a cancelled send's never-attempted ones (held by quiet
 * hours) are never handed over, even when an attempt in flight at the cancel held one after the
 * cancel's sweep (the bulk worker's sweep removes it). Its attempted ones finish their re-sends,
 * as in-flight messages finish. A sub-select on the sends, so a pause is seen by the next claim.
 */
export function claimableByRetrier(strapi: Core.Strapi): (query: Knex.QueryBuilder) => void {
  const c = columnsOf(strapi, UID.log, ['bulkSendId', 'attempts'] as const);
  const s = columnsOf(strapi, UID.bulkSend, ['documentId', 'status'] as const);
  const sendsThatAre = (status: BulkSendStatus) => builder(strapi, UID.bulkSend).select(s.documentId).where(s.status, status);
  return (query) =>
    query
      .whereNull(c.bulkSendId)
      .orWhere((ofSend) =>
        ofSend
          .whereNotIn(c.bulkSendId, sendsThatAre('paused'))
          .where((live) => live.where(c.attempts, '>', 0).orWhereNotIn(c.bulkSendId, sendsThatAre('cancelled'))),
      );
}

const CHUNK = 500;
const PREVIEW_SIZE = 10;

export interface BulkActor {
  id: string;
  name: string;
}

const emptyCounts = (): StatusCounts => Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as StatusCounts;

function toView(row: Row, counts: StatusCounts, perMinute: number): BulkSendView {
  return {
    id: row.documentId,
    sourceName: row.sourceName as string,
    channel: row.channel as BulkSendView['channel'],
    status: row.status as BulkSendStatus,
    contactType: (row.contactType as string | null) ?? null,
    category: (row.category as string | null) ?? null,
    total: Number(row.total ?? 0),
    withoutAddress: Number(row.withoutAddress ?? 0),
    cancelledCount: Number(row.cancelledCount ?? 0),
    counts,
    perMinute,
    pause: (row.pause as BulkPauseView | null) ?? null,
    createdAt: toIso(row.createdAt),
    startedAt: toIso(row.startedAt),
    finishedAt: toIso(row.finishedAt),
  };
}

/** Who the audit trail names for a breaker's pause: no person, the breaker itself. */
export const BREAKER_ACTOR = { id: 'breaker', name: 'Breaker' } as const;

/** The audit entry of a breaker's pause; `reports.breakerPauses` reads `after` back (BreakerPauseEntry). */
function breakerPauseEntry(bulkSendId: string, trip: BreakerTrip, at: Date): AuditInput {
  const after: BreakerPauseEntry = { bulkSendId, trip };
  return { action: 'bulk-breaker-pause', actor: BREAKER_ACTOR, after, at: at.getTime() };
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const sends = () => table(strapi, UID.bulkSend);
  const logs = () => table(strapi, UID.log);
  const recipients = () => getService(strapi, 'bulk-recipients');

  function validate(raw: unknown): BulkSendInput {
    try {
      const input = validateBulkSendInput(raw);
      checkCategory({ category: input.category, fallback: null }, getService(strapi, 'config').get().categories);
      return input;
    } catch (error) {
      if (error instanceof MessageInputError) throw new SendRefusedError(400, error.field, error.message);
      throw error;
    }
  }

  async function findRow(documentId: string): Promise<Row> {
    const row = await sends().findOne({ where: { documentId } });
    if (!row) throw new SendRefusedError(404, 'id', `No bulk send "${documentId}".`);
    return row;
  }

  /** Its messages by status; `since` keeps those first attempted from then on (the breaker's sample). */
  async function countsOf(documentId: string, since: Date | null = null): Promise<StatusCounts> {
    const c = columnsOf(strapi, UID.log, ['bulkSendId', 'status', 'firstAttemptAt'] as const);
    const query = builder(strapi, UID.log).select(c.status).count({ n: '*' }).where(c.bulkSendId, documentId).groupBy(c.status);
    if (since) query.where(c.firstAttemptAt, '>=', since);
    const counts = emptyCounts();
    for (const row of (await query) as Record<string, unknown>[]) counts[row[c.status] as MessageStatus] = toCount(row.n);
    return counts;
  }

  async function perMinuteOf(documentId: string): Promise<number> {
    return logs().count({ where: { bulkSendId: documentId, firstAttemptAt: { $gte: new Date(Date.now() - 60_000) } } });
  }

  /** Moves a send from one of `from` to `to`; 409 when it is in none of them (someone else moved it first). */
  async function transition(documentId: string, from: BulkSendStatus[], data: Record<string, unknown>): Promise<void> {
    const row = await findRow(documentId);
    const { count } = await sends().updateMany({ where: { id: row.id, status: { $in: from } }, data: { ...data, updatedAt: new Date() } });
    if (count === 0) {
      throw new SendRefusedError(409, 'status', `The bulk send is ${row.status as string}; this needs it to be ${from.join(' or ')}.`);
    }
  }

  /** Writes the send and its parked messages in one transaction: a failure leaves nothing queued. */
  async function queue(input: BulkSendInput, resolved: Awaited<ReturnType<ReturnType<typeof recipients>['resolve']>>, actor: BulkActor | null): Promise<Row> {
    return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      const now = new Date();
      const send = await sends().create({
        data: {
          sourceName: input.sourceName,
          channel: input.channel,
          status: 'queued',
          content: input.content,
          recipients: input.recipients,
          category: input.category,
          contactType: resolved.source.uid,
          total: resolved.recipients.length,
          withoutAddress: resolved.withoutAddress,
          cancelledCount: 0,
          createdByName: actor?.name ?? null,
          createdAt: now,
          updatedAt: now,
          publishedAt: now,
        },
      });
      const base = { channel: input.channel, contactType: resolved.source.uid, source: 'grab', sourceName: input.sourceName, status: 'queued', attempts: 0, category: input.category };
      for (let i = 0; i < resolved.recipients.length; i += CHUNK) {
        const data = resolved.recipients.slice(i, i + CHUNK).map((r) => ({
          ...base,
          address: r.address,
          contactDocumentId: r.documentId,
          content: r.content,
          bulkSendId: send.documentId,
          leaseOwner: PARKED_OWNER,
          leaseExpiresAt: PARKED_UNTIL,
          createdAt: now,
          updatedAt: now,
          publishedAt: now,
        }));
        await logs().createMany({ data });
        await getService(strapi, 'report-rollup').record(
          trx,
          data.map(() => ({ createdAt: now.getTime(), channel: input.channel, from: null, to: 'queued' as const })),
        );
      }
      return send;
    });
  }

  return {
    countsOf,

    /** Checks the whole request, then queues every message; answers with the new send. */
    async create(raw: unknown, actor: BulkActor | null = null): Promise<BulkSendView> {
      const input = validate(raw);
      const resolved = await recipients().resolve(input);
      const send = await queue(input, resolved, actor);
      strapi.log.info(`[deliverability] bulk send ${send.documentId} queued: ${resolved.recipients.length} messages`);
      // Their custom domains' MX hosts, for the breakdown by mailbox provider: looked up after this answers.
      if (input.channel === 'email') getService(strapi, 'mx-hosts').refreshInBackground(resolved.recipients.map((r) => r.address));
      return this.find(send.documentId);
    },

    /** The configured categories with their policies, for the compose page's picker (the default first). */
    categories(): CategoryList {
      const policies = getService(strapi, 'config').get().categories;
      const names = Object.keys(policies).sort((a, b) => Number(b === DEFAULT_BULK_CATEGORY) - Number(a === DEFAULT_BULK_CATEGORY) || a.localeCompare(b));
      const view = (name: string) => ({ name, oneClickUnsubscribe: policies[name].oneClickUnsubscribe, sendToUnsubscribed: policies[name].sendToUnsubscribed, fallback: policies[name].fallback });
      return { categories: names.map(view), bulkDefault: DEFAULT_BULK_CATEGORY };
    },

    /** The first recipients and how many will be dropped as suppressed, without queuing anything. */
    async preview(raw: unknown): Promise<BulkPreview> {
      const input = validate(raw);
      const resolved = await recipients().resolve(input);
      const suppressed = await recipients().suppressed(
        input.channel,
        resolved.recipients.map((r) => r.address),
        input.category,
      );
      return {
        recipients: resolved.recipients.slice(0, PREVIEW_SIZE).map(({ documentId, displayName, address, content }) => ({
          documentId,
          displayName,
          address,
          content,
          suppressed: suppressed.has(address),
        })),
        total: resolved.recipients.length,
        suppressed: suppressed.size,
        withoutAddress: resolved.withoutAddress,
      };
    },

    async find(documentId: string): Promise<BulkSendView> {
      const row = await findRow(documentId);
      return toView(row, await countsOf(documentId), await perMinuteOf(documentId));
    },

    /** A page of bulk sends, newest first, for the admin's list. */
    async page(query: { page: number; pageSize: number }): Promise<Page<BulkSendView>> {
      const total = await sends().count({});
      const rows = await sends().findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], offset: (query.page - 1) * query.pageSize, limit: query.pageSize });
      const results = await Promise.all(rows.map(async (row) => toView(row, await countsOf(row.documentId), await perMinuteOf(row.documentId))));
      return { results, pagination: { ...query, pageCount: Math.ceil(total / query.pageSize), total } };
    },

    /**
     * Its messages by mailbox provider and status, so that a block by one provider shows as such.
     * Grouped here rather than in SQL: taking the domain out of an address differs on every
     * database, and one send's addresses are read once per request.
     */
    async mailboxProviders(documentId: string): Promise<MailboxProviderRow[]> {
      await findRow(documentId);
      const campus = getService(strapi, 'config').get().bulk.campusDomains;
      const c = columnsOf(strapi, UID.log, ['bulkSendId', 'address', 'status'] as const);
      const rows = (await builder(strapi, UID.log).select(c.address, c.status).where(c.bulkSendId, documentId)) as Record<string, string>[];
      const counted = rows.map((row) => ({ address: row[c.address], status: row[c.status] as MessageStatus, count: 1 }));
      const mxHosts = await getService(strapi, 'mx-hosts').known(counted.map((row) => row.address));
      return groupByMailboxProvider(counted, campus, emptyCounts, Infinity, mxHosts);
    },

    async pause(documentId: string, actor: BulkActor): Promise<BulkSendView> {
      const pause: BulkPauseView = { by: 'editor', at: new Date().toISOString(), actor: actor.name };
      await transition(documentId, ['queued', 'running'], { status: 'paused', pause });
      return this.find(documentId);
    },

    /** Resumes a paused send; the breaker starts a new sample, of the messages attempted from now on. */
    async resume(documentId: string): Promise<BulkSendView> {
      await transition(documentId, ['paused'], { status: 'running', pause: null, breakerSince: new Date() });
      return this.find(documentId);
    },

    /** Stops the send: no message is handed over after this (in flight ones finish); the rest leave the queue. */
    async cancel(documentId: string, actor: BulkActor): Promise<BulkSendView> {
      await transition(documentId, ['queued', 'running', 'paused'], { status: 'cancelled', finishedAt: new Date(), pause: { by: 'editor', at: new Date().toISOString(), actor: actor.name } });
      await this.sweepCancelled(documentId);
      return this.find(documentId);
    },

    /** Removes a cancelled send's parked messages, and those held by quiet hours (never attempted, not claimed), and counts them on the send. */
    async sweepCancelled(documentId: string): Promise<number> {
      return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        const rollup = getService(strapi, 'report-rollup');
        const parked = await rollup.deleteLogs(trx, { bulkSendId: documentId, status: 'queued', leaseOwner: PARKED_OWNER, attempts: 0 });
        const held = await rollup.deleteLogs(trx, { bulkSendId: documentId, status: 'deferred', leaseOwner: null, attempts: 0 });
        const removed = parked + held;
        if (removed > 0) {
          const s = columnsOf(strapi, UID.bulkSend, ['documentId', 'cancelledCount'] as const);
          await builder(strapi, UID.bulkSend).transacting(trx).where(s.documentId, documentId).increment(s.cancelledCount, removed);
        }
        return removed;
      });
    },

    /** The breaker tripped: the send pauses with the figures that tripped it (only if it was still running). */
    async pauseForBreaker(documentId: string, trip: BreakerTrip): Promise<boolean> {
      const at = new Date();
      const pause: BulkPauseView = { by: 'breaker', at: at.toISOString(), trip };
      // The pause and its audit entry commit together: a resume clears `pause`, the entry stays for the reports.
      const count = await strapi.db.transaction(async () => {
        const updated = await sends().updateMany({ where: { documentId, status: 'running' }, data: { status: 'paused', pause, updatedAt: at } });
        if (updated.count > 0) await getService(strapi, 'audit').record(breakerPauseEntry(documentId, trip, at));
        return updated.count;
      });
      if (count > 0) {
        strapi.log.warn(`[deliverability] bulk send ${documentId} paused by its breaker: ${trip.metric} ${(trip.rate * 100).toFixed(2)}% over ${trip.sample} messages (threshold ${(trip.threshold * 100).toFixed(2)}%)`);
      }
      return count > 0;
    },
  };
};
