import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { Channel } from '../core/events';
import { quietHold, type QuietHold } from '../core/quiet-hours';
import { reasonPart, statusReason } from '../core/reasons';
import { updateRows, type RowUpdate } from '../utils/bulk';
import { getService, type Row } from '../utils/plugin';
import { UID } from '../utils/uids';
import { refKey } from './contacts';
import { statusChangesOf } from './report-rollup';

/**
 * Quiet hours at the begin stage of an attempt (README, "Quiet hours"): which of the messages
 * about to be handed over must wait, in their students' time zones, and putting them back to wait.
 * A held message becomes `deferred` with `nextAttemptAt` at the end of the window and its lease
 * released, so the retrier claims it at that time, exactly as it claims a soft bounce's re-send,
 * and the begin stage then judges it again (a retry that falls in quiet hours waits the same way).
 */

export interface HeldMessage {
  row: Row;
  hold: QuietHold;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** The students' own zones, for the rows whose channel has quiet hours at all. */
  async function zonesOf(rows: Row[]): Promise<Map<string, string>> {
    const refs = rows
      .filter((row) => typeof row.contactType === 'string' && typeof row.contactDocumentId === 'string')
      .map((row) => ({ type: row.contactType as string, documentId: row.contactDocumentId as string }));
    return refs.length === 0 ? new Map() : getService(strapi, 'contacts').timeZonesOf(refs);
  }

  return {
    /** Splits `items` into those that wait (and until when) and those that may go at `now`. */
    async judge<T extends { row: Row }>(items: T[], now: number): Promise<{ held: (T & { hold: QuietHold })[]; due: T[] }> {
      const policy = getService(strapi, 'config').get().quietHours;
      const concerned = items.filter(({ row }) => policy.windows[row.channel as Channel] !== null);
      if (concerned.length === 0) return { held: [], due: items };
      const zones = await zonesOf(concerned.map(({ row }) => row));
      const held: (T & { hold: QuietHold })[] = [];
      const due: T[] = [];
      for (const item of items) {
        const { row } = item;
        const hold = quietHold(
          {
            channel: row.channel as Channel,
            source: (row.source as string | null) ?? null,
            // Message categories arrive with the categories work; until then no message has one.
            category: (row.category as string | null | undefined) ?? null,
            timeZone: zones.get(refKey(String(row.contactType), String(row.contactDocumentId))) ?? null,
          },
          policy,
          now,
        );
        if (hold) held.push({ ...item, hold });
        else due.push(item);
      }
      return { held, due };
    },

    /**
     * Puts held messages back to wait: `deferred` until the window ends, the lease released, the
     * reason on the row; the report counts follow the status change in the same transaction.
     */
    async recordHolds(trx: Knex.Transaction, held: HeldMessage[], now: number): Promise<void> {
      const at = new Date(now);
      const updates: RowUpdate[] = held.map(({ row, hold }) => ({
        id: row.id,
        data: {
          status: 'deferred',
          nextAttemptAt: new Date(hold.until),
          ...statusReason([
            reasonPart('send.quietHours', {
              at: new Date(hold.until).toISOString(),
              start: hold.window.start,
              end: hold.window.end,
              timeZone: hold.timeZone,
            }),
          ]),
          leaseOwner: null,
          leaseExpiresAt: null,
          updatedAt: at,
        },
      }));
      await updateRows(strapi, trx, UID.log, updates);
      await getService(strapi, 'report-rollup').record(trx, statusChangesOf(new Map(held.map(({ row }) => [row.id, row])), updates));
    },
  };
};
