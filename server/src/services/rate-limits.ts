import { createHmac } from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { judgeHits, windowOf, type RateLimitRule, type RateVerdict } from '../core/rate-limits';
import type { RateLimitsConfig } from '../config/rate-limits';
import { documentIds } from '../utils/bulk';
import { takesRowLocks, withConflictRetry } from '../utils/locks';
import { getService } from '../utils/plugin';
import { builder, columnsOf, dialectOf, knexOf, tableName, toCount } from '../utils/sql';
import { UID } from '../utils/uids';

/**
 * Rate limits the public routes share across instances (config/rate-limits.ts): each request adds
 * one to its window's row with a single upsert (`INSERT … ON CONFLICT DO UPDATE` on SQLite and
 * PostgreSQL, `ON DUPLICATE KEY UPDATE` on MySQL/MariaDB), then reads the row back in the same
 * transaction, while the upsert's row lock is still held: the count read is the one this request
 * made, so N processes together never let more than the limit through. The key is an HMAC of the IP
 * or target under the site's app key, so the table holds no address, number or IP.
 */

/** Which limit a request counts against (one of `rateLimits`' rules). */
export type RateLimitName = keyof RateLimitsConfig;

export interface RateLimitCheck {
  name: RateLimitName;
  /** What is limited (an IP, a verification): hashed before it is stored. */
  key: string;
}

/** Windows already ended are removed at most this often by each instance. */
const SWEEP_EVERY_MS = 60_000;
const ATTRIBUTES = ['documentId', 'scope', 'key', 'windowStart', 'expiresAt', 'hits', 'createdAt', 'updatedAt'] as const;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let lastSweepMs = 0;
  const cols = () => columnsOf(strapi, UID.rateWindow, ATTRIBUTES);

  /** HMAC under the site's first app key (shared by every instance of the site). */
  function hashKey(name: RateLimitName, key: string): string {
    const keys = strapi.config.get('server.app.keys') as string[] | undefined;
    return createHmac('sha256', keys?.[0] ?? 'deliverability-rate-limits')
      .update(`${name}\u0000${key}`)
      .digest('hex');
  }

  /** `hits + 1` on conflict, in each dialect's words. */
  function increment(): Knex.Raw {
    const c = cols();
    const knex = knexOf(strapi);
    return dialectOf(strapi) === 'mysql'
      ? knex.raw('?? + 1', [c.hits])
      : knex.raw('??.?? + 1', [tableName(strapi, UID.rateWindow), c.hits]);
  }

  /** Adds this request to its window and answers the window's count, this request included. */
  async function count(name: RateLimitName, rule: RateLimitRule, key: string, now: number): Promise<number> {
    const c = cols();
    const window = windowOf(rule, now);
    const where = { [c.scope]: name, [c.key]: hashKey(name, key), [c.windowStart]: new Date(window.startMs) };
    const at = new Date(now);
    return withConflictRetry(() =>
      strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        await builder(strapi, UID.rateWindow)
          .transacting(trx)
          .insert({
            ...where,
            [c.documentId]: documentIds(1)[0],
            [c.expiresAt]: new Date(window.endMs),
            [c.hits]: 1,
            [c.createdAt]: at,
            [c.updatedAt]: at,
          })
          .onConflict([c.scope, c.key, c.windowStart])
          .merge({ [c.hits]: increment(), [c.updatedAt]: at });
        const read = builder(strapi, UID.rateWindow).transacting(trx).select(c.hits).where(where).first();
        // The upsert already holds the row; FOR UPDATE makes MySQL read the latest version, not its snapshot.
        const row = (await (takesRowLocks(strapi) ? read.forUpdate() : read)) as Record<string, unknown> | undefined;
        return toCount(row?.[c.hits]);
      }),
    );
  }

  /** Removes every window that has ended; answers how many. */
  const sweep = async (now: number): Promise<number> =>
    builder(strapi, UID.rateWindow).where(cols().expiresAt, '<', new Date(now)).delete();

  /** Sweeps at most once a minute per instance, without holding up the request. */
  function sweepSometimes(now: number): void {
    if (now - lastSweepMs < SWEEP_EVERY_MS) return;
    lastSweepMs = now;
    sweep(now).catch((error: unknown) =>
      strapi.log.warn(`[deliverability] rate-limit sweep failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  return {
    /**
     * Counts this request against each check in turn and answers the first refusal (later checks
     * are then not counted), or allowed.
     */
    async take(checks: RateLimitCheck[], now = Date.now()): Promise<RateVerdict> {
      sweepSometimes(now);
      const rules = getService(strapi, 'config').get().rateLimits;
      for (const check of checks) {
        const verdict = judgeHits(rules[check.name], await count(check.name, rules[check.name], check.key, now), now);
        if (!verdict.allowed) return verdict;
      }
      return { allowed: true };
    },

    /** Removes every ended window now (tests; requests sweep on their own). */
    sweep: (now = Date.now()) => sweep(now),
  };
};
