import { hostname } from 'os';
import { randomUUID } from 'crypto';
import type { Core } from '@strapi/strapi';
import { getService, table } from '../utils/plugin';
import { UID } from '../utils/uids';

/**
 * Claims on messages (leases): an owner and an expiry on the message's row. Whoever holds an
 * unexpired lease is the only one sending that message. While this process works on its claims (a
 * retrier tick, one send), they are renewed together every third of a lease, one statement for
 * all of them, so a slow provider or a long tick never outlives its claims; only a crashed (or
 * frozen) process's claims expire, and another process takes the messages over.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** Identifies this process in leases, so that a claim is never mistaken for another's. */
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const leaseMs = () => getService(strapi, 'config').get().retrier.leaseSeconds * 1000;
  /** Owners with work in flight, and how many pieces of work each has. */
  const held = new Map<string, number>();
  let renewal: NodeJS.Timeout | null = null;

  async function renew(): Promise<void> {
    if (held.size === 0) return;
    const now = new Date();
    await table(strapi, UID.log).updateMany({
      // Only claims still ours and unexpired: an expired one may be another process's by now.
      where: { leaseOwner: { $in: [...held.keys()] }, leaseExpiresAt: { $gt: now } },
      data: { leaseExpiresAt: new Date(now.getTime() + leaseMs()) },
    });
  }

  function hold(owner: string): void {
    held.set(owner, (held.get(owner) ?? 0) + 1);
    if (renewal) return;
    renewal = setInterval(() => {
      renew().catch((error: Error) => strapi.log.warn(`[deliverability] could not renew leases: ${error.message}`));
    }, leaseMs() / 3);
    renewal.unref();
  }

  function release(owner: string): void {
    const count = (held.get(owner) ?? 1) - 1;
    if (count > 0) held.set(owner, count);
    else held.delete(owner);
    if (held.size === 0 && renewal) {
      clearInterval(renewal);
      renewal = null;
    }
  }

  return {
    /** A new owner name and its first expiry. */
    create(): { owner: string; expiresAt: Date } {
      return { owner: `${instanceId}:${randomUUID().slice(0, 8)}`, expiresAt: new Date(Date.now() + leaseMs()) };
    },

    /** Keeps `owner`'s leases renewed while `work` runs. */
    async keepWhile<T>(owner: string, work: () => Promise<T>): Promise<T> {
      hold(owner);
      try {
        return await work();
      } finally {
        release(owner);
      }
    },

    /** Stops renewing (plugin shutdown). */
    stop(): void {
      held.clear();
      if (renewal) clearInterval(renewal);
      renewal = null;
    },
  };
};
