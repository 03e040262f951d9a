import { hostname } from 'os';
import { randomUUID } from 'crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { Core } from '@strapi/strapi';
import { digestDay, digestEmail, newEntries } from '../core/worklist-digest';
import { getService, isUniqueViolation, table } from '../utils/plugin';
import { PLUGIN_ID, UID } from '../utils/uids';

/**
 * The worklist's daily digest (`worklistDigest.to`, off by default): the students who joined the
 * worklist in the last day, and how many are on it in all, emailed to the advisors' address.
 *
 * Every instance runs the cron (strapi/strapi#15634), so a run first claims its day: the first
 * instance to insert the day's row owns it; a run whose owner died before sending (its lease
 * expired, nothing sent) is taken over by the next claim. The digest goes through the plugin's own
 * sending path, not Strapi's Email plugin directly: it then has a log (Full Logs, reports),
 * retries on a soft bounce, and is held back if the advisors' mailbox itself is suppressed.
 */

export type DigestRun = { sent: true; day: string; newEntries: number; total: number; logDocumentId: string } | { sent: false; day: string; why: 'off' | 'claimed' | 'empty' };

/** Long enough to read the worklist and hand one message over. */
const LEASE_MS = 5 * 60_000;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let task: ScheduledTask | null = null;
  const digests = () => table(strapi, UID.worklistDigest);

  /** The day's row, inserted (unique day) or taken over from an owner whose lease ran out before it sent. */
  async function claim(day: string, owner: string, now: number): Promise<boolean> {
    const lease = { leaseOwner: owner, leaseExpiresAt: new Date(now + LEASE_MS) };
    try {
      await digests().create({ data: { day, ...lease } });
      return true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const { count } = await digests().updateMany({ where: { day, sentAt: null, leaseExpiresAt: { $lt: new Date(now) } }, data: lease });
    return count === 1;
  }

  async function compose(now: number) {
    const page = await getService(strapi, 'worklist').list({ state: null, page: 1, pageSize: 100_000 });
    const fresh = newEntries(page.results, now);
    const base = getService(strapi, 'config').get().publicUrl;
    return { fresh, total: page.pagination.total, email: digestEmail(fresh, page.pagination.total, base ? `${base}/admin/plugins/${PLUGIN_ID}/worklist` : null) };
  }

  return {
    /** Sends today's digest unless another run (on any instance) has it, or there is nobody on the worklist. */
    async runOnce(now = Date.now()): Promise<DigestRun> {
      const to = getService(strapi, 'config').get().worklistDigest.to;
      const day = digestDay(now);
      if (!to) return { sent: false, day, why: 'off' };
      const owner = `${instanceId}:${randomUUID().slice(0, 8)}`;
      if (!(await claim(day, owner, now))) return { sent: false, day, why: 'claimed' };
      try {
        const { fresh, total, email } = await compose(now);
        if (total === 0) {
          await digests().updateMany({ where: { day, leaseOwner: owner }, data: { sentAt: new Date(now), newEntries: 0, total: 0 } });
          return { sent: false, day, why: 'empty' };
        }
        const message = await getService(strapi, 'messages').send({
          channel: 'email',
          to: { address: to },
          subject: email.subject,
          text: email.text,
          source: 'manual',
          sourceName: 'Worklist digest',
        });
        await digests().updateMany({
          where: { day, leaseOwner: owner },
          data: { sentAt: new Date(now), newEntries: fresh.length, total, logDocumentId: message.id },
        });
        strapi.log.info(`[deliverability] worklist digest for ${day}: ${fresh.length} new, ${total} in all`);
        return { sent: true, day, newEntries: fresh.length, total, logDocumentId: message.id };
      } catch (error) {
        // Let the next run take the day again at once, rather than after the lease.
        await digests().updateMany({ where: { day, leaseOwner: owner, sentAt: null }, data: { leaseExpiresAt: new Date(0) } });
        throw error;
      }
    },

    startSchedule(): void {
      const settings = getService(strapi, 'config').get().worklistDigest;
      if (!settings.to || task) return;
      task = cron.schedule(settings.schedule, () => {
        this.runOnce().catch((error: Error) => strapi.log.error(`[deliverability] worklist digest failed: ${error.message}`));
      });
    },

    async stop(): Promise<void> {
      if (task) await task.destroy();
      task = null;
    },
  };
};
