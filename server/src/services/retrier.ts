import type { Core } from '@strapi/strapi';
import cron, { type ScheduledTask } from 'node-cron';
import type { Knex } from 'knex';
import { takesRowLocks } from '../utils/locks';
import { getService } from '../utils/plugin';
import { builder, columnsOf } from '../utils/sql';
import { UID } from '../utils/uids';
import { claimableByRetrier } from './bulk-sends';
import type { AttemptTally } from './attempts';

/**
 * The soft-bounce retrier. Each tick claims due messages with a lease, a chunk at a time (the
 * next while the last is handed over), each claim in one transaction, so that with several
 * Strapi processes on one database every due message is sent by exactly one of them; a crashed
 * process's leases expire and another process takes the work over.
 *
 * Due: `deferred` with `nextAttemptAt` in the past, `sent` ones whose hand-off had no answer and
 * whose wait for the provider's report is over, and `queued` messages whose claim expired (a
 * process died between writing the message and handing it over).
 */

export interface TickResult extends AttemptTally {
  skipped: boolean;
  claimed: number;
  durationMs: number;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let task: ScheduledTask | null = null;
  let running: Promise<TickResult> | null = null;

  /**
   * Claims up to `limit` due messages for `owner`: the due rows are selected and leased in one
   * transaction. On PostgreSQL and MySQL/MariaDB the selection locks its rows and skips rows another
   * process is claiming right now (`FOR UPDATE SKIP LOCKED`), so two processes never take the same
   * row and neither waits for the other. SQLite has one writer, so the transaction alone is enough.
   * (MySQL cannot UPDATE a table with a sub-select on itself, hence two statements.)
   */
  async function claimDue(owner: string, now: Date, limit: number, leaseSeconds: number, unchangedSince: Date | null): Promise<number[]> {
    const expires = new Date(now.getTime() + leaseSeconds * 1000);
    const c = columnsOf(strapi, UID.log, ['status', 'nextAttemptAt', 'leaseExpiresAt', 'leaseOwner', 'updatedAt'] as const);
    const free = (q: Knex.QueryBuilder) => q.whereNull(c.leaseExpiresAt).orWhere(c.leaseExpiresAt, '<', now);
    return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      const due = builder(strapi, UID.log)
        .transacting(trx)
        .select('id')
        .where((q) =>
          q
            // Deferred, and unconfirmed hand-offs whose wait for a report is over.
            .where((d) => d.whereIn(c.status, ['deferred', 'sent']).where(c.nextAttemptAt, '<=', now))
            // Queued messages whose claim expired: a process died between writing and handing over.
            .orWhere((d) => d.where(c.status, 'queued').where(free)),
        )
        .where(free)
        // Not a message this tick has attempted already (see workOn).
        .where((q) => (unchangedSince ? q.whereNull(c.updatedAt).orWhere(c.updatedAt, '<', unchangedSince) : q))
        // Not the messages of a paused bulk send, nor the held ones of a cancelled send.
        .where(claimableByRetrier(strapi))
        .orderBy(c.nextAttemptAt, 'asc')
        .limit(limit);
      if (takesRowLocks(strapi)) due.forUpdate().skipLocked();
      const ids = (await due).map((row: { id: number }) => Number(row.id));
      if (ids.length === 0) return [];
      // Re-checked on the row itself, so two claims that raced on one row cannot both win it
      // (SQLite takes no row locks; its one writer makes this check enough). The attempts read
      // each message under its lease, so a row lost here is passed over there.
      await builder(strapi, UID.log)
        .transacting(trx)
        .whereIn('id', ids)
        .where(free)
        .update({ [c.leaseOwner]: owner, [c.leaseExpiresAt]: expires });
      return ids;
    });
  }

  async function runTick(now: Date): Promise<TickResult> {
    const leases = getService(strapi, 'leases');
    const { owner } = leases.create();
    // The claims are renewed for as long as the tick works on them, however slow the provider.
    return leases.keepWhile(owner, () => workOn(owner, now));
  }

  async function workOn(owner: string, now: Date): Promise<TickResult> {
    const started = Date.now();
    const config = getService(strapi, 'config').get();
    let claimed = 0;
    // Every message this tick begins is updated after its first claim has returned. A tick judged
    // at a time ahead of the clock (`tick(now)`) would otherwise find a message it has just
    // deferred due again, and a later claim would take it a second time.
    let firstClaimAt: Date | null = null;
    const claim = async (limit: number) => {
      const ids = await claimDue(owner, now, limit, config.retrier.leaseSeconds, firstClaimAt);
      firstClaimAt ??= new Date();
      claimed += ids.length;
      return ids.map((id) => ({ id }));
    };
    // Claimed a chunk at a time, while the chunks before are handed over.
    const tally = await getService(strapi, 'attempts').attemptClaimed(claim, config.retrier.batchSize, owner, {
      concurrency: config.retrier.concurrency,
      maxUnrecorded: config.retrier.maxUnrecorded,
      // Quiet hours are judged at the tick's time, as the claims are.
      now: now.getTime(),
    });
    return { skipped: false, claimed, ...tally, durationMs: Date.now() - started };
  }

  return {
    /** One pass. A tick still running makes this one a no-op (`skipped`). */
    async tick(now: Date = new Date()): Promise<TickResult> {
      if (running) return { skipped: true, claimed: 0, sent: 0, failed: 0, dropped: 0, held: 0, passedOver: 0, abandoned: 0, durationMs: 0 };
      running = runTick(now);
      try {
        return await running;
      } finally {
        running = null;
      }
    },

    start(): void {
      const config = getService(strapi, 'config').get();
      if (!config.retrier.enabled || task) return;
      task = cron.schedule(config.retrier.schedule, () => {
        this.tick().catch((error: Error) => strapi.log.error(`[deliverability] retrier tick failed: ${error.message}`));
      });
    },

    /** Stops the schedule and waits for the tick in flight, up to `timeoutMs`. */
    async stop(timeoutMs = 10_000): Promise<void> {
      if (task) {
        await task.destroy();
        task = null;
      }
      if (running) {
        await Promise.race([running.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      }
    },
  };
};
