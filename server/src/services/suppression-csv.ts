import type { Core } from '@strapi/strapi';
import { csvLine, parseCsv } from '../core/csv';
import { importedEvent, validateImport } from '../core/suppression-import';
import type { ImportReport, SuppressionQuery } from '../contract';
import { AdminApiError } from '../utils/admin-error';
import { getService, table, toIso } from '../utils/plugin';
import { UID } from '../utils/uids';
import type { Actor } from './audit';
import { suppressionWhere } from './suppressions';

/**
 * The suppression list as CSV, out and in. The export takes the list page's filters and holds
 * every matching row (read a chunk at a time). The import validates every row first and applies
 * nothing unless all are valid; then all of them go through the intake in its one transaction
 * (the same decisions as a provider's report), with one audit entry for the file.
 */

const CHUNK = 1000;
export const EXPORT_HEADER = ['address', 'channel', 'state', 'reason', 'date', 'provider', 'provider_code', 'reactivated_at'];


export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async exportCsv(query: Pick<SuppressionQuery, 'q' | 'channel' | 'state'>): Promise<string> {
    const where = suppressionWhere(query);
    let csv = csvLine(EXPORT_HEADER);
    for (let offset = 0; ; offset += CHUNK) {
      const rows = await table(strapi, UID.address).findMany({
        where,
        orderBy: [{ stateChangedAt: 'desc' }, { id: 'desc' }],
        offset,
        limit: CHUNK,
      });
      for (const row of rows) {
        const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
        csv += csvLine([
          text(row.address),
          text(row.channel),
          text(row.state),
          text(row.reason),
          toIso(row.stateChangedAt),
          text(row.provider),
          text(row.providerCode),
          toIso(row.reactivatedAt),
        ]);
      }
      if (rows.length < CHUNK) return csv;
    }
  },

  /** 400 with the report when any row is refused (nothing applied); else the report of what was applied. */
  async importCsv(text: string, actor: Actor, now = Date.now()): Promise<ImportReport> {
    const { rows, refused } = validateImport(text, parseCsv, now);
    if (refused.length > 0) {
      const report: ImportReport = { rows: rows.length + refused.length, applied: 0, alreadyImported: 0, refused };
      throw Object.assign(new AdminApiError(400, `${refused.length} row(s) refused; nothing was imported.`), { details: report });
    }
    const result = await getService(strapi, 'intake').apply(rows.map(importedEvent), { now });
    await getService(strapi, 'audit').record({
      action: 'import-suppressions',
      actor,
      reason: `Imported ${rows.length} row(s) from a CSV file.`,
      after: { rows: rows.length, new: result.received - result.duplicates },
      at: now,
    });
    return { rows: rows.length, applied: result.received - result.duplicates, alreadyImported: result.duplicates, refused: [] };
  },
});
