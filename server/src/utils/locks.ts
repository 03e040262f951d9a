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

/** The first pause after a lost race, and the longest: each pause doubles up to the cap. */
const FIRST_PAUSE_MS = 10;
const LONGEST_PAUSE_MS = 1_000;

/**
 * How long to wait after losing the `n`th try: half the doubling ceiling for sure, the other half at
 * random. Losers that rush back take their locks again while the winner is still working (on
 * MySQL, a lock on a key that does not exist yet is shared, so they deadlock the winner once more);
 * the growing pause lets the winner commit, and the randomness keeps the losers from returning together.
 */
export function conflictPauseMs(n: number, random: () => number = Math.random): number {
  const ceiling = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (n - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Runs `attempt` (one whole transaction) again when it lost a race, up to `tries` times, pausing
 * longer after each loss (`conflictPauseMs`). Eight tries wait about a second in all before giving
 * up. `attempt` is told which try it is (1 first), so that a retry can clear the way first.
 */
export async function withConflictRetry<T>(
  attempt: (tryNumber: number) => Promise<T>,
  options: { tries?: number; retryable?: (error: unknown) => boolean; pause?: (n: number) => number } = {},
): Promise<T> {
  const tries = options.tries ?? 8;
  const retryable = options.retryable ?? isRetryableConflict;
  const pause = options.pause ?? conflictPauseMs;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= tries || !retryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause(n)));
    }
  }
}
