import { hostname } from 'os';
import { randomUUID } from 'crypto';
import type { Core } from '@strapi/strapi';
import cron, { type ScheduledTask } from 'node-cron';
import { SYNC_PROVIDER_NAMES, type SyncProviderName } from '../config/sync';
import { listedEvent } from '../core/listed';
import { suppressionClients, type ListPage, type SuppressionListClient } from '../providers/suppressions';
import type { SyncStatus } from '../content-types/suppression-sync/schema';
import type { SyncStateView } from '../contract';
import { AdminApiError } from '../utils/admin-error';
import { getService, isUniqueViolation, table, toIso, type Row } from '../utils/plugin';
import { UID } from '../utils/uids';

/**
 * The pull of the providers' suppression lists into the ledger, one provider at a time, by the
 * stages of `runPull`: claim the provider's sync row (a lease, taken in one conditional UPDATE, so
 * that with several instances one of them pulls); read a page from the cursor; apply it through
 * the intake (the same `decide()`, event rows and contact mirrors as a webhook report; derived
 * event keys make a page read twice harmless); move the cursor and renew the lease; at the end,
 * clear the cursor. A run that fails (the provider answers 5xx, a 429 lasts too long) keeps its
 * cursor, and the next run resumes from it; so does a crashed instance's, once its lease expires.
 *
 * The schedule fires on every instance (strapi/strapi#15634): a scheduled run names its slot,
 * and a slot already run (by any instance) is not run again.
 */

interface Cursor {
  list: number;
  page: string | null;
}

export interface PullResult {
  provider: SyncProviderName;
  /** false: another instance holds the pull, or this slot was run already. */
  ran: boolean;
  status: SyncStatus;
  pagesRead: number;
  entriesRead: number;
  entriesNew: number;
  error: string | null;
}

function cursorOf(row: Row): Cursor | null {
  const cursor = row.cursor as Cursor | null;
  return cursor && typeof cursor.list === 'number' ? cursor : null;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const config = () => getService(strapi, 'config').get();
  const leaseMs = () => config().sync.leaseSeconds * 1000;
  let task: ScheduledTask | null = null;
  const inFlight = new Set<Promise<unknown>>();

  function clients(): SuppressionListClient[] {
    return suppressionClients(config().sync, config().sending.timeoutMs);
  }

  function clientOf(provider: string): SuppressionListClient | null {
    return clients().find((client) => client.provider === provider) ?? null;
  }

  /** The provider's row, created on first use (two instances creating it at once: one wins). */
  async function stateRow(provider: SyncProviderName): Promise<Row> {
    const existing = await table(strapi, UID.suppressionSync).findOne({ where: { provider } });
    if (existing) return existing;
    try {
      return await table(strapi, UID.suppressionSync).create({
        data: { provider, status: 'idle', pagesRead: 0, entriesRead: 0, entriesNew: 0 },
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return (await table(strapi, UID.suppressionSync).findOne({ where: { provider } }))!;
    }
  }

  /** Stage 1: the lease, in one conditional UPDATE; a scheduled run also needs its slot not run yet. */
  async function claim(provider: SyncProviderName, owner: string, slot: Date | null): Promise<boolean> {
    await stateRow(provider);
    const now = new Date();
    const where: Record<string, unknown> = { provider, $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lt: now } }] };
    if (slot) where.$and = [{ $or: [{ lastSlotAt: null }, { lastSlotAt: { $lt: slot } }] }];
    const data: Record<string, unknown> = {
      status: 'running',
      leaseOwner: owner,
      leaseExpiresAt: new Date(now.getTime() + leaseMs()),
      updatedAt: now,
    };
    if (slot) data.lastSlotAt = slot;
    const { count } = await table(strapi, UID.suppressionSync).updateMany({ where, data });
    return count === 1;
  }

  /** Writes progress while the lease is still ours (and renews it); false when it is not any more. */
  async function record(provider: SyncProviderName, owner: string, data: Record<string, unknown>, keepLease = true): Promise<boolean> {
    const now = new Date();
    const lease = keepLease ? { leaseExpiresAt: new Date(now.getTime() + leaseMs()) } : { leaseOwner: null, leaseExpiresAt: null };
    const { count } = await table(strapi, UID.suppressionSync).updateMany({
      where: { provider, leaseOwner: owner },
      data: { ...data, ...lease, updatedAt: now },
    });
    return count === 1;
  }

  /** Stage 3: a page through the intake, and into the listings the drift report reads; returns how many of its entries were new. */
  async function applyPage(client: SuppressionListClient, page: ListPage, runStartedAt: Date): Promise<number> {
    if (page.records.length === 0) return 0;
    await getService(strapi, 'provider-listings').record(client.provider, page.records, runStartedAt);
    const now = Date.now();
    const result = await getService(strapi, 'intake').apply(page.records.map((entry) => listedEvent(client.provider, entry, now)));
    return result.received - result.duplicates;
  }

  /** Stages 2 to 5 for one claimed provider: from the stored cursor (a resumed run) or the first page. */
  async function runPull(client: SuppressionListClient, owner: string): Promise<PullResult> {
    const provider = client.provider;
    const row = await stateRow(provider);
    let cursor = cursorOf(row);
    const runStartedAt = cursor && row.runStartedAt ? new Date(row.runStartedAt as string) : new Date();
    const totals = cursor
      ? { pagesRead: Number(row.pagesRead ?? 0), entriesRead: Number(row.entriesRead ?? 0), entriesNew: Number(row.entriesNew ?? 0) }
      : { pagesRead: 0, entriesRead: 0, entriesNew: 0 };
    if (!cursor) {
      cursor = { list: 0, page: null };
      await record(provider, owner, {
        status: 'running',
        cursor,
        // The same instant the page listings are stamped with, so that a resumed pull prunes only what it did not see.
        runStartedAt,
        runFinishedAt: null,
        lastError: null,
        ...totals,
      });
    } else {
      await record(provider, owner, { status: 'running', lastError: null });
    }
    try {
      while (cursor.list < client.lists.length) {
        const page = await client.fetchPage(client.lists[cursor.list], cursor.page);
        totals.entriesNew += await applyPage(client, page, runStartedAt);
        totals.pagesRead += 1;
        totals.entriesRead += page.records.length;
        cursor = page.next === null ? { list: cursor.list + 1, page: null } : { list: cursor.list, page: page.next };
        if (!(await record(provider, owner, { cursor, ...totals }))) {
          strapi.log.warn(`[deliverability] ${provider} suppression sync: the lease was lost; another instance carries on`);
          return { provider, ran: true, status: 'running', ...totals, error: 'lease lost' };
        }
      }
      // A complete pull saw every listing: the ones it did not see were lifted at the provider.
      await getService(strapi, 'provider-listings').prune(provider, runStartedAt);
      await record(provider, owner, { status: 'done', cursor: null, runFinishedAt: new Date(), ...totals }, false);
      return { provider, ran: true, status: 'done', ...totals, error: null };
    } catch (error) {
      const message = (error as Error).message.slice(0, 1000);
      strapi.log.error(`[deliverability] ${provider} suppression sync stopped (it resumes at the next run): ${message}`);
      await record(provider, owner, { status: 'failed', lastError: message, ...totals }, false);
      return { provider, ran: true, status: 'failed', ...totals, error: message };
    }
  }

  async function pullOne(client: SuppressionListClient, slot: Date | null): Promise<PullResult> {
    const owner = `${instanceId}:${randomUUID().slice(0, 8)}`;
    if (!(await claim(client.provider, owner, slot))) {
      return { provider: client.provider, ran: false, status: 'running', pagesRead: 0, entriesRead: 0, entriesNew: 0, error: null };
    }
    return runPull(client, owner);
  }

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  function viewOf(provider: SyncProviderName, row: Row | undefined, client: SuppressionListClient | null): SyncStateView {
    const cursor = row ? cursorOf(row) : null;
    const leased = row?.leaseExpiresAt ? new Date(row.leaseExpiresAt as string).getTime() > Date.now() : false;
    return {
      provider,
      configured: client !== null,
      lists: client ? [...client.lists] : [],
      status: (row?.status as SyncStatus | undefined) ?? 'idle',
      running: leased,
      currentList: cursor && client ? (client.lists[cursor.list] ?? null) : null,
      pagesRead: Number(row?.pagesRead ?? 0),
      entriesRead: Number(row?.entriesRead ?? 0),
      entriesNew: Number(row?.entriesNew ?? 0),
      runStartedAt: toIso(row?.runStartedAt),
      runFinishedAt: toIso(row?.runFinishedAt),
      lastError: (row?.lastError as string | null | undefined) ?? null,
    };
  }

  return {
    /** Every configured provider, one after the other; `slot` names a scheduled run (null: on demand). */
    async pullAll(slot: Date | null = null): Promise<PullResult[]> {
      const results: PullResult[] = [];
      for (const client of clients()) results.push(await track(pullOne(client, slot)));
      return results;
    },

    /** An editor's "sync now": claims at once and pulls in the background; 409 while another pull holds the provider. */
    async startPull(provider: string): Promise<SyncStateView> {
      const client = clientOf(provider);
      if (!client) throw new AdminApiError(404, `${provider} has no API credentials configured, so its suppression list cannot be read.`);
      const owner = `${instanceId}:${randomUUID().slice(0, 8)}`;
      if (!(await claim(client.provider, owner, null))) throw new AdminApiError(409, `A sync of ${provider} is already running.`);
      track(runPull(client, owner)).catch((error: Error) =>
        strapi.log.error(`[deliverability] ${provider} suppression sync: ${error.message}`),
      );
      return (await this.states()).find((state) => state.provider === provider)!;
    },

    /** Each provider's pull, for the Providers page. */
    async states(): Promise<SyncStateView[]> {
      const rows = await table(strapi, UID.suppressionSync).findMany({});
      const configured = clients();
      return SYNC_PROVIDER_NAMES.map((provider) =>
        viewOf(
          provider,
          rows.find((row) => row.provider === provider),
          configured.find((client) => client.provider === provider) ?? null,
        ),
      );
    },

    startSchedule(): void {
      const sync = config().sync;
      if (!sync.enabled || task || clients().length === 0) return;
      task = cron.schedule(sync.schedule, (context) => {
        // The slot is the scheduled second, the same on every instance whichever fires first.
        const slot = new Date(Math.floor(context.date.getTime() / 1000) * 1000);
        this.pullAll(slot).catch((error: Error) => strapi.log.error(`[deliverability] suppression sync failed: ${error.message}`));
      });
    },

    /** Stops the schedule and waits for pulls in flight, up to `timeoutMs`. */
    async stop(timeoutMs = 10_000): Promise<void> {
      if (task) {
        await task.destroy();
        task = null;
      }
      if (inFlight.size > 0) {
        const all = Promise.allSettled([...inFlight]);
        await Promise.race([all, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      }
    },
  };
};
