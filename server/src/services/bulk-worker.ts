import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { judgeBreaker, type BreakerSample } from '../core/bulk-breaker';
import { createTokenBucket, type TokenBucket } from '../core/token-bucket';
import type { StatusCounts } from '../contract';
import { takesRowLocks } from '../utils/locks';
import { getService, table, type Row } from '../utils/plugin';
import { builder, columnsOf } from '../utils/sql';
import { UID } from '../utils/uids';
import type { Transport } from '../transports/types';
import type { BatchSource } from '../utils/batch-pipeline';
import { PARKED_OWNER, PARKED_UNTIL } from './bulk-sends';

/**
 * The bulk-send queue worker, run by every instance. Each pass claims a small batch of parked
 * messages of the running sends with a lease (as the retrier does: selected and leased in one
 * transaction, `FOR UPDATE SKIP LOCKED` where the database has it), so no two instances take one
 * message, and feeds the batches to `attempts.attemptStream`: attempts on record together,
 * `concurrency` hand-offs at once, each paid for with a token from its provider's bucket, outcomes
 * recorded together, the next batch claimed while one is handed over. Before each claim it re-reads
 * the sends' statuses (at most every `pollMs`): a pause or cancel stops hand-offs after the messages
 * already claimed (at most one and a half batches, each at most half a second of pace); once
 * a second the breaker judges each running send and pauses it with its figures; a send with
 * nothing left to claim is done.
 *
 * A crash leaves claimed messages with a lease that expires; the next pass (of any instance)
 * takes them again. A message begun whose outcome was not yet recorded is found abandoned and
 * waits for the provider's report instead of being sent again at once (attempts.ts, README
 * "Bulk sends").
 */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** How often a running send's breaker is applied. */
const BREAKER_EVERY_MS = 1000;

function breakerSampleOf(channel: 'email' | 'sms', counts: StatusCounts): BreakerSample {
  return {
    channel,
    resolved: counts.delivered + counts.bounced + counts.complained + counts.failed,
    hardBounced: counts.bounced,
    complained: counts.complained,
    failed: counts.failed,
  };
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = () => getService(strapi, 'config').get().bulk;
  const bulk = () => getService(strapi, 'bulk-sends');
  const logs = () => table(strapi, UID.log);
  const buckets = new Map<string, TokenBucket>();
  /** The running sends, as last read, and when. */
  let running = new Map<string, Row>();
  let readAt = 0;
  let refreshing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<void> | null = null;
  let stopping = false;
  /** When each send's breaker was last applied. */
  const judgedAt = new Map<string, number>();

  /**
   * Applies the breaker to a running send, at most once a second (its counts read every row of
   * the send, too much to do before every batch); whether the send may go on.
   */
  async function passesBreaker(send: Row): Promise<boolean> {
    if (Date.now() - (judgedAt.get(send.documentId) ?? 0) < BREAKER_EVERY_MS) return true;
    judgedAt.set(send.documentId, Date.now());
    const since = send.breakerSince ? new Date(send.breakerSince as string) : null;
    const sample = await bulk().countsOf(send.documentId, since);
    const trip = judgeBreaker(breakerSampleOf(send.channel as 'email' | 'sms', sample), config().breaker);
    if (!trip) return true;
    await bulk().pauseForBreaker(send.documentId, trip);
    return false;
  }

  /**
   * Running sends with nothing left in the queue are done (asked when a claim comes back empty).
   * Messages held by quiet hours (deferred, never attempted) are still to go: the send runs, and
   * can be cancelled, until the retrier has sent them.
   */
  async function finishEmptySends(): Promise<void> {
    for (const send of running.values()) {
      const left = await logs().count({ where: { bulkSendId: send.documentId, $or: [{ status: 'queued' }, { status: 'deferred', attempts: 0 }] } });
      if (left > 0) continue;
      await table(strapi, UID.bulkSend).updateMany({ where: { id: send.id, status: 'running' }, data: { status: 'done', finishedAt: new Date(), updatedAt: new Date() } });
      running.delete(send.documentId);
    }
  }

  async function readRunning(): Promise<void> {
    const now = new Date();
    const sends = table(strapi, UID.bulkSend);
    await sends.updateMany({ where: { status: 'queued' }, data: { status: 'running', startedAt: now, breakerSince: now, updatedAt: now } });
    const next = new Map<string, Row>();
    for (const send of await sends.findMany({ where: { status: 'running' }, orderBy: { id: 'asc' } })) {
      if (await passesBreaker(send)) next.set(send.documentId, send);
    }
    running = next;
    readAt = Date.now();
  }

  /** Re-reads the sends' statuses if the last read is older than `pollMs` (one read at a time). */
  async function refreshIfStale(): Promise<void> {
    if (Date.now() - readAt < config().pollMs) return;
    refreshing ??= readRunning().finally(() => (refreshing = null));
    await refreshing;
  }

  /** Leases up to `limit` parked (or abandoned) messages of the running sends to `owner`: their ids. */
  async function claim(owner: string, limit: number): Promise<number[]> {
    const ids = [...running.keys()];
    if (ids.length === 0) return [];
    const now = new Date();
    const expires = new Date(now.getTime() + getService(strapi, 'config').get().retrier.leaseSeconds * 1000);
    const c = columnsOf(strapi, UID.log, ['bulkSendId', 'status', 'leaseOwner', 'leaseExpiresAt'] as const);
    // Parked, or claimed by an instance that died (its lease ran out).
    const free = (q: Knex.QueryBuilder) => q.where(c.leaseOwner, PARKED_OWNER).orWhere(c.leaseExpiresAt, '<', now);
    return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      const due = builder(strapi, UID.log).transacting(trx).select('id').whereIn(c.bulkSendId, ids).where(c.status, 'queued').where(free).orderBy('id').limit(limit);
      if (takesRowLocks(strapi)) due.forUpdate().skipLocked();
      const found = (await due).map((row: { id: number }) => row.id);
      if (found.length === 0) return [];
      await builder(strapi, UID.log).transacting(trx).whereIn('id', found).where(free).update({ [c.leaseOwner]: owner, [c.leaseExpiresAt]: expires });
      return found;
    });
  }

  function bucketOf(provider: string): TokenBucket {
    let bucket = buckets.get(provider);
    if (!bucket) {
      bucket = createTokenBucket(rateOf(provider), Date.now());
      buckets.set(provider, bucket);
    }
    return bucket;
  }
  const rateOf = (provider: string): number => config().rates[provider] ?? config().ratePerSecond;

  /** Awaited before each hand-off: a token of the transport's provider (the pace is per provider, in this instance). */
  async function pace(transport: Transport): Promise<void> {
    // No turn of the event loop is taken here. Lanes whose transport answers at once (the sandbox)
    // still let timers and I/O in: the record stage takes a turn before each record, and no more
    // than `concurrency + maxUnrecorded` hand-offs go by without one (utils/batch-pipeline.ts).
    // A turn taken here before every hand-off cost a network hand-off the rest of a busy turn:
    // 2 to 3.5 ms of a 50 ms hand-off in a bulk send on SQLite (bench/bulk.ts).
    const wait = bucketOf(transport.provider).take(Date.now());
    if (wait > 0) await sleep(wait);
  }

  /**
   * How many messages to claim and attempt as one batch. A batch's attempts are on record before
   * its hand-offs, so a pause or cancel takes effect between batches: a batch holds at most half a
   * second of its slowest provider's pace, and a cancel stops hand-offs within about a second.
   */
  function batchSize(): number {
    const transports = getService(strapi, 'transports');
    const channels = new Set([...running.values()].map((send) => send.channel as 'email' | 'sms'));
    const slowest = Math.min(...[...channels].map((channel) => rateOf(transports.for(channel).provider)));
    return Math.max(1, Math.min(config().claimSize, Math.floor(slowest / 2)));
  }

  /** Messages claimed but not attempted (the send was paused or cancelled, or we are stopping) go back to the queue. */
  async function release(owner: string): Promise<void> {
    const back = await logs().updateMany({
      where: { leaseOwner: owner, status: 'queued', attempts: 0 },
      data: { leaseOwner: PARKED_OWNER, leaseExpiresAt: PARKED_UNTIL },
    });
    if (back.count === 0) return;
    const cancelled = await table(strapi, UID.bulkSend).findMany({ where: { status: 'cancelled', finishedAt: { $gt: new Date(Date.now() - 3_600_000) } } });
    for (const send of cancelled) await bulk().sweepCancelled(send.documentId);
  }

  /**
   * The queue as a source of batches for `attempts.attemptStream`. Before each claim the sends'
   * statuses are re-read (at most every `pollMs`), so a pause or cancel stops the claims; the
   * source runs dry when the running sends have nothing left for this instance.
   */
  function claims(owner: string): BatchSource<{ id: number }> {
    return async () => {
      if (stopping) return null;
      await refreshIfStale();
      if (running.size === 0) return null;
      const ids = await claim(owner, batchSize());
      if (ids.length === 0) await finishEmptySends();
      return ids.map((id) => ({ id }));
    };
  }

  /**
   * Claims and attempts batches until the source runs dry. The next batch is claimed and begun
   * while the one before is handed over, so the lanes never wait on a claim.
   */
  async function work(owner: string): Promise<void> {
    try {
      // The next batch is claimed once half a batch is left waiting (for a lane or for its pace),
      // so at most one and a half batches (under a second of pace) are begun but not handed over
      // when a pause or cancel is read.
      const prefetchBelow = Math.floor(batchSize() / 2);
      await getService(strapi, 'attempts').attemptStream(claims(owner), owner, {
        concurrency: config().concurrency,
        maxUnrecorded: config().maxUnrecorded,
        pace,
        prefetchBelow,
      });
    } finally {
      await release(owner);
    }
  }

  async function runPass(): Promise<void> {
    await refreshIfStale();
    if (running.size === 0) return;
    const leases = getService(strapi, 'leases');
    const { owner } = leases.create();
    await leases.keepWhile(owner, () => work(owner));
  }

  return {
    /** One pass (tests and the benchmark call it; the timer does otherwise). Resolves when the pass ends. */
    async runOnce(): Promise<void> {
      if (pass) return pass;
      readAt = 0;
      pass = runPass().finally(() => (pass = null));
      return pass;
    },

    start(): void {
      if (!config().enabled || timer) return;
      stopping = false;
      timer = setInterval(() => {
        if (pass) return;
        this.runOnce().catch((error: Error) => strapi.log.error(`[deliverability] bulk worker pass failed: ${error.message}`));
      }, config().pollMs);
      timer.unref();
    },

    /** Stops claiming; messages claimed and not yet handed over go back to the queue. */
    async stop(timeoutMs = 10_000): Promise<void> {
      stopping = true;
      if (timer) clearInterval(timer);
      timer = null;
      if (pass) await Promise.race([pass.catch(() => undefined), sleep(timeoutMs)]);
    },
  };
};
