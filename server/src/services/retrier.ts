import { randomUUID } from 'crypto';
import type { Core } from '@strapi/strapi';
import cron, { type ScheduledTask } from 'node-cron';
import { getService, table, type Row } from '../utils/plugin';
import { UID } from '../utils/uids';

/**
 * The soft-bounce retrier. Each tick claims due messages with a lease, in one atomic UPDATE, so
 * that with several Strapi processes on one database every due message is sent by exactly one
 * of them; a crashed process's leases expire and another process takes the work over.
 *
 * Due: `deferred` with `nextAttemptAt` in the past, and `queued` messages whose claim expired
 * (a process died between writing the message and handing it over).
 */

export interface TickResult {
  skipped: boolean;
  claimed: number;
  sent: number;
  failed: number;
  durationMs: number;
}

const LOGS_TABLE = 'deliverability_logs';
/** Messages sent at once within a tick: bounded so that a slow provider cannot exhaust sockets. */
const CONCURRENCY = 4;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let task: ScheduledTask | null = null;
  let running: Promise<TickResult> | null = null;

  async function claimDue(now: Date, limit: number, leaseSeconds: number): Promise<{ owner: string; rows: Row[] }> {
    const owner = `${getService(strapi, 'messages').instanceId}:${randomUUID().slice(0, 8)}`;
    const expires = new Date(now.getTime() + leaseSeconds * 1000);
    const knex = strapi.db.connection;
    const due = knex(LOGS_TABLE)
      .select('id')
      .where((q) =>
        q
          .where((d) => d.where('status', 'deferred').where('next_attempt_at', '<=', now))
          .orWhere((d) => d.where('status', 'queued').where((l) => l.whereNull('lease_expires_at').orWhere('lease_expires_at', '<', now))),
      )
      .where((l) => l.whereNull('lease_expires_at').orWhere('lease_expires_at', '<', now))
      .orderBy('next_attempt_at', 'asc')
      .limit(limit);
    // PostgreSQL: rows another process is claiming right now are skipped rather than waited for.
    // SQLite has one writer at a time, so the single UPDATE is atomic there as it stands.
    const client = strapi.db.dialect.client;
    if (client === 'postgres') due.forUpdate().skipLocked();
    await knex(LOGS_TABLE)
      .whereIn('id', due)
      // Re-checked on the row itself, so two claims that raced on one row cannot both win it.
      .where((l) => l.whereNull('lease_expires_at').orWhere('lease_expires_at', '<', now))
      .update({ lease_owner: owner, lease_expires_at: expires });
    // Read back through the lease index (status, lease_expires_at): a lookup by owner alone would
    // scan every log, so a tick's cost would grow with the table instead of with what is due.
    const rows = await table(strapi, UID.log).findMany({
      where: { status: { $in: ['deferred', 'queued'] }, leaseExpiresAt: expires, leaseOwner: owner },
    });
    return { owner, rows };
  }

  async function runTick(now: Date): Promise<TickResult> {
    const started = Date.now();
    const config = getService(strapi, 'config').get();
    const { owner, rows } = await claimDue(now, config.retrier.batchSize, config.retrier.leaseSeconds);
    const messages = getService(strapi, 'messages');
    let sent = 0;
    let failed = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rows.length) {
        const row = rows[next++];
        try {
          const after = await messages.attempt(row, owner);
          if (after.status === 'sent' || after.status === 'delivered') sent += 1;
          else failed += 1;
        } catch (error) {
          failed += 1;
          strapi.log.error(`[deliverability] retrier could not re-send message ${row.documentId}: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, worker));
    return { skipped: false, claimed: rows.length, sent, failed, durationMs: Date.now() - started };
  }

  return {
    /** One pass. A tick still running makes this one a no-op (`skipped`). */
    async tick(now: Date = new Date()): Promise<TickResult> {
      if (running) return { skipped: true, claimed: 0, sent: 0, failed: 0, durationMs: 0 };
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
