import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { Channel } from '../core/events';
import { DeltaTally, hourlyDeltas, rollupDeltas, type RollupDelta, type StatusChange } from '../core/report-rollup';
import type { MessageStatus } from '../core/statuses';
import { documentIds, insertRows, type RowUpdate } from '../utils/bulk';
import { takesRowLocks, withConflictRetry } from '../utils/locks';
import { getService, toMs } from '../utils/plugin';
import { builder, columnsOf, deleteByIds, dialectOf, knexOf, qualifiedTableName, tableName, toCount, whereEqual, type Dialect } from '../utils/sql';
import { UID } from '../utils/uids';

/**
 * The reports' roll-up (`core/report-rollup.ts`), kept exact by the writes themselves: every
 * service that creates, re-statuses or deletes messages calls `record` (or `deleteLogs`) in the
 * same transaction, so a count and the messages it counts commit together. `record` appends deltas
 * (no shared row is updated, so concurrent writers neither wait nor deadlock); `compact` folds them
 * into the counts by quarter-hour and by hour every minute (`reports.compactEverySeconds`);
 * `countsBetween` reads either with the deltas. `rebuild` recounts from the messages, for data
 * written behind the plugin's back (a seed, a restore) and when upgrading a site that has messages
 * but no counts yet.
 */

/** Deltas folded in one compaction transaction. */
const COMPACT_BATCH = 5_000;

/** The two tables of folded counts: by quarter-hour, and the same by hour. */
type RollupTable = typeof UID.reportCount | typeof UID.reportHour;

/** The message columns a status change is computed from. */
export type LogStatusRow = Record<string, unknown> & { createdAt?: unknown; channel?: unknown; status?: unknown };

/** A message's change from its row as read (under lock) to the status an update writes, if it writes one. */
export function statusChangeOf(before: LogStatusRow, to: unknown): StatusChange | null {
  const createdAt = toMs(before.createdAt);
  if (createdAt === null || to === undefined || to === before.status) return null;
  return { createdAt, channel: before.channel as Channel, from: before.status as MessageStatus, to: to as MessageStatus };
}

/** The status changes of a set of message updates, given the rows as read before them. */
export function statusChangesOf(before: Map<number, LogStatusRow>, updates: readonly RowUpdate[]): StatusChange[] {
  const changes: StatusChange[] = [];
  for (const update of updates) {
    const row = before.get(update.id);
    const change = row ? statusChangeOf(row, update.data.status) : null;
    if (change) changes.push(change);
  }
  return changes;
}

/**
 * The quarter-hour or the hour (UTC) that holds a datetime column's value, as SQL for the rebuild,
 * by wall-clock arithmetic with no time-zone conversion (`bucketOf` and `hourOf` in JavaScript).
 * SQLite stores Strapi's datetimes as epoch milliseconds.
 */
function truncateSql(knex: Knex, dialect: Dialect, column: string, to: 'quarter-hour' | 'hour'): Knex.Raw {
  const templates: Record<Dialect, Record<typeof to, string>> = {
    sqlite: { 'quarter-hour': '((?? / 900000) * 900000)', hour: '((?? / 3600000) * 3600000)' },
    postgres: {
      'quarter-hour': "(date_trunc('hour', ??) + floor(extract(minute from ??) / 15) * interval '15 minutes')",
      hour: "date_trunc('hour', ??)",
    },
    mysql: {
      'quarter-hour': '(?? - interval (minute(??) % 15) minute - interval second(??) second - interval microsecond(??) microsecond)',
      hour: '(?? - interval minute(??) minute - interval second(??) second - interval microsecond(??) microsecond)',
    },
  };
  const template = templates[dialect][to];
  return knex.raw(
    template,
    Array.from({ length: template.split('??').length - 1 }, () => column),
  );
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let timer: NodeJS.Timeout | null = null;
  let compacting: Promise<unknown> | null = null;
  const cols = (uid: string) =>
    columnsOf(strapi, uid, ['documentId', 'bucket', 'channel', 'status', 'messages', 'createdAt', 'updatedAt'] as const);

  const deltaRows = (deltas: RollupDelta[], now: Date) =>
    deltas.map((d) => ({
      bucket: new Date(d.bucket),
      channel: d.channel,
      status: d.status,
      messages: d.messages,
      createdAt: now,
      updatedAt: now,
    }));

  /** Adds `deltas` to the counts of `uid`, by quarter-hour or by hour (one statement a chunk): an upsert that sums. */
  async function addToCounts(trx: Knex.Transaction, uid: RollupTable, deltas: RollupDelta[], now: Date): Promise<void> {
    const c = cols(uid);
    const knex = knexOf(strapi);
    const table = tableName(strapi, uid);
    const sum =
      dialectOf(strapi) === 'mysql'
        ? knex.raw('?? + VALUES(??)', [c.messages, c.messages])
        : knex.raw('??.?? + excluded.??', [table, c.messages, c.messages]);
    for (let i = 0; i < deltas.length; i += 500) {
      const chunk = deltas.slice(i, i + 500);
      const ids = documentIds(chunk.length);
      const rows = chunk.map((d, j) => ({
        [c.documentId]: ids[j],
        [c.bucket]: new Date(d.bucket),
        [c.channel]: d.channel,
        [c.status]: d.status,
        [c.messages]: d.messages,
        [c.createdAt]: now,
        [c.updatedAt]: now,
      }));
      await builder(strapi, uid)
        .transacting(trx)
        .insert(rows)
        .onConflict([c.bucket, c.channel, c.status])
        .merge({ [c.messages]: sum, [c.updatedAt]: now });
    }
  }

  /** One compaction: up to COMPACT_BATCH deltas, locked, summed into the counts and removed. */
  async function compactOnce(): Promise<number> {
    return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      const c = cols(UID.reportDelta);
      const query = builder(strapi, UID.reportDelta)
        .transacting(trx)
        .select('id', c.bucket, c.channel, c.status, c.messages)
        .orderBy('id')
        .limit(COMPACT_BATCH);
      // Two instances compacting at once: the second waits, then finds the first's rows gone.
      if (takesRowLocks(strapi)) query.forUpdate();
      const rows = (await query) as Record<string, unknown>[];
      if (rows.length === 0) return 0;
      const tally = new DeltaTally();
      for (const row of rows)
        tally.add(toMs(row[c.bucket])!, row[c.channel] as Channel, row[c.status] as MessageStatus, toCount(row[c.messages]));
      const deltas = tally.deltas();
      const now = new Date();
      await addToCounts(trx, UID.reportCount, deltas, now);
      await addToCounts(trx, UID.reportHour, hourlyDeltas(deltas), now);
      await deleteByIds(strapi, trx, UID.reportDelta, rows.map((row) => Number(row.id)));
      return rows.length;
    });
  }

  /**
   * One grouped INSERT … SELECT into the empty table of counts `into`: the rows of `from` (those
   * with `bucket` set) grouped by their bucket cut to `unit`, channel and status, `messages` each.
   */
  async function insertGrouped(
    trx: Knex.Transaction,
    into: RollupTable,
    from: { uid: string; bucket: string; channel: string; status: string; messages: Knex.Raw },
    unit: 'quarter-hour' | 'hour',
  ): Promise<void> {
    const c = cols(into);
    const now = new Date();
    await trx.raw(
      'insert into ?? (??, ??, ??, ??, ??, ??) select ?, ??, ??, ?, ?, ? from ?? where ?? is not null group by 1, 2, 3',
      [
        ...[qualifiedTableName(strapi, into), c.bucket, c.channel, c.status, c.messages, c.createdAt, c.updatedAt],
        truncateSql(knexOf(strapi), dialectOf(strapi), from.bucket, unit),
        ...[from.channel, from.status, from.messages, now, now, qualifiedTableName(strapi, from.uid), from.bucket],
      ],
    );
  }

  /** The hourly counts summed from the quarter-hour counts, in the caller's transaction (the hourly table is empty). */
  async function insertHoursFromCounts(trx: Knex.Transaction): Promise<void> {
    const q = cols(UID.reportCount);
    const messages = knexOf(strapi).raw('sum(??)', [q.messages]);
    await insertGrouped(trx, UID.reportHour, { uid: UID.reportCount, bucket: q.bucket, channel: q.channel, status: q.status, messages }, 'hour');
  }

  const any = async (uid: string, trx?: Knex.Transaction): Promise<boolean> => {
    const query = builder(strapi, uid).select('id').limit(1);
    if (trx) query.transacting(trx);
    return (await query).length > 0;
  };

  /**
   * A site upgraded from a version without hourly counts: they are summed once from the
   * quarter-hour counts. Compactions, and another instance booting at the same time, wait for it
   * (PostgreSQL: a table lock that conflicts with writes and with itself; MySQL: every count row
   * locked), so no fold is counted twice or missed.
   */
  async function addMissingHours(): Promise<boolean> {
    return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
      const dialect = dialectOf(strapi);
      if (dialect === 'postgres') await trx.raw('lock table ?? in share row exclusive mode', [qualifiedTableName(strapi, UID.reportCount)]);
      if (dialect === 'mysql') await builder(strapi, UID.reportCount).transacting(trx).count({ n: '*' }).forUpdate();
      if ((await any(UID.reportHour, trx)) || !(await any(UID.reportCount, trx))) return false;
      await insertHoursFromCounts(trx);
      return true;
    });
  }

  return {
    /** Records message changes in the caller's transaction. */
    async record(trx: Knex.Transaction, changes: readonly StatusChange[]): Promise<void> {
      const deltas = rollupDeltas(changes);
      if (deltas.length > 0) await insertRows(strapi, trx, UID.reportDelta, deltaRows(deltas, new Date()));
    },

    /**
     * Deletes the messages matching `where` (attribute → value) in the caller's transaction, and
     * takes them out of the counts: the rows are locked and read first, and only those are deleted.
     */
    async deleteLogs(trx: Knex.Transaction, where: Record<string, string | number | null>): Promise<number> {
      const c = columnsOf(strapi, UID.log, ['createdAt', 'channel', 'status'] as const);
      const query = whereEqual(strapi, UID.log, builder(strapi, UID.log).transacting(trx).select('id', c.createdAt, c.channel, c.status).orderBy('id'), where);
      if (takesRowLocks(strapi)) query.forUpdate();
      const rows = (await query) as Record<string, unknown>[];
      if (rows.length === 0) return 0;
      await deleteByIds(strapi, trx, UID.log, rows.map((row) => Number(row.id)));
      await this.record(
        trx,
        rows.map((row) => ({
          createdAt: toMs(row[c.createdAt])!,
          channel: row[c.channel] as Channel,
          from: row[c.status] as MessageStatus,
          to: null,
        })),
      );
      return rows.length;
    },

    /** Folds every pending delta into the counts; returns how many were folded. */
    async compact(): Promise<number> {
      let total = 0;
      for (;;) {
        const n = await withConflictRetry(() => compactOnce());
        total += n;
        if (n < COMPACT_BATCH) return total;
      }
    },

    /**
     * Messages by bucket, channel and status in [from, to): the counts by quarter-hour, or by hour
     * when `hourly` (both ends then on the hour), plus pending deltas, as one query to group further.
     */
    countsBetween(from: Date, to: Date, channel: Channel | null, hourly = false): Knex.QueryBuilder {
      const part = (uid: string) => {
        const c = cols(uid);
        const q = builder(strapi, uid)
          .select({ bucket: c.bucket, channel: c.channel, status: c.status, messages: c.messages })
          .where(c.bucket, '>=', from)
          .andWhere(c.bucket, '<', to);
        if (channel) q.andWhere(c.channel, channel);
        return q;
      };
      return knexOf(strapi)
        .queryBuilder()
        .from(part(hourly ? UID.reportHour : UID.reportCount).unionAll(part(UID.reportDelta)).as('rollup'));
    },

    /** Recounts everything from the messages. Meant for when nothing else writes messages (a seed, a restore, an upgrade). */
    async rebuild(): Promise<{ messages: number; counts: number }> {
      return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        await builder(strapi, UID.reportDelta).transacting(trx).delete();
        await builder(strapi, UID.reportCount).transacting(trx).delete();
        await builder(strapi, UID.reportHour).transacting(trx).delete();
        // One grouped INSERT … SELECT: a site with millions of messages is recounted in seconds, at boot.
        const l = columnsOf(strapi, UID.log, ['createdAt', 'channel', 'status'] as const);
        const countAll = knexOf(strapi).raw('count(*)');
        await insertGrouped(trx, UID.reportCount, { uid: UID.log, bucket: l.createdAt, channel: l.channel, status: l.status, messages: countAll }, 'quarter-hour');
        await insertHoursFromCounts(trx);
        const [{ n: messages }] = (await builder(strapi, UID.log).transacting(trx).count({ n: '*' })) as { n: unknown }[];
        const [{ n: counts }] = (await builder(strapi, UID.reportCount).transacting(trx).count({ n: '*' })) as { n: unknown }[];
        return { messages: toCount(messages), counts: toCount(counts) };
      });
    },

    /**
     * At boot: a site with messages but no counts (an upgrade, a restore) is recounted once; one
     * with quarter-hour counts but no hourly ones gets those. True when it recounted.
     */
    async rebuildIfMissing(): Promise<boolean> {
      const hasCounts = await any(UID.reportCount);
      if (hasCounts || (await any(UID.reportDelta)) || !(await any(UID.log))) {
        const hoursMissing = hasCounts && !(await any(UID.reportHour));
        if (hoursMissing && (await addMissingHours())) strapi.log.info('[deliverability] report counts by hour added from the counts by quarter-hour');
        return false;
      }
      const { messages } = await this.rebuild();
      strapi.log.info(`[deliverability] report counts rebuilt from ${messages} messages`);
      return true;
    },

    start(): void {
      if (timer) return;
      timer = setInterval(
        () => {
          if (compacting) return;
          compacting = this.compact()
            .catch((error: Error) =>
              strapi.log.error(`[deliverability] report counts: compaction failed (${error.message}); it runs again in a minute`),
            )
            .finally(() => (compacting = null));
        },
        getService(strapi, 'config').get().reports.compactEverySeconds * 1000,
      );
      timer.unref();
    },

    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await compacting;
    },
  };
};
