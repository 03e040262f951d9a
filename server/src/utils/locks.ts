import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { isUniqueViolation } from './plugin';
import { builder, dialectOf } from './sql';

/**
 * Row locks for the paths that read a row, decide, and write it back (webhook intake,
 * reactivation). PostgreSQL and MySQL run transactions side by side, even within one Strapi
 * process (a connection pool), so without a lock two requests about one message or address can
 * both decide against the old row and the weaker result can commit last. SQLite has one writer,
 * and Strapi gives it one connection: its transactions already run one at a time.
 *
 * Locks are always taken in one order (messages by id, then addresses by channel and address),
 * so two requests cannot wait for each other; what is left (two requests creating the same new
 * row, say) surfaces as a conflict that `withConflictRetry` runs again.
 */

const CHUNK = 500;

export function takesRowLocks(strapi: Core.Strapi): boolean {
  return dialectOf(strapi) !== 'sqlite';
}

/** `SELECT id … FOR UPDATE` on the given rows, in id order. Joins the transaction `trx`. */
export async function lockRowsById(strapi: Core.Strapi, trx: Knex.Transaction, uid: string, ids: number[]): Promise<void> {
  if (!takesRowLocks(strapi) || ids.length === 0) return;
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i += CHUNK) {
    await builder(strapi, uid)
      .transacting(trx)
      .select('id')
      .whereIn('id', sorted.slice(i, i + CHUNK))
      .orderBy('id')
      .forUpdate();
  }
}

/**
 * Two transactions that collided and can simply run again: a unique index both wrote (a new
 * event or address at the same time), a deadlock the server broke, a serialization failure or a
 * lock wait that timed out, in the words of PostgreSQL, MySQL/MariaDB or SQLite.
 */
export function isRetryableConflict(error: unknown): boolean {
  if (isUniqueViolation(error)) return true;
  const code = String((error as { code?: unknown })?.code ?? '');
  const text = error instanceof Error ? error.message : String(error);
  return (
    ['40P01', '40001', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY'].includes(code) ||
    /deadlock detected|Deadlock found|could not serialize|Lock wait timeout/i.test(text)
  );
}

/**
 * Runs `attempt` (one whole transaction) again when it lost a race, up to `tries` times, after a
 * short random pause so that the two losers of one collision do not collide again.
 */
export async function withConflictRetry<T>(
  attempt: () => Promise<T>,
  options: { tries?: number; retryable?: (error: unknown) => boolean } = {},
): Promise<T> {
  const tries = options.tries ?? 5;
  const retryable = options.retryable ?? isRetryableConflict;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= tries || !retryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * n));
    }
  }
}
