/** Rows written straight through knex by the baselines: the same columns the plugin's own writes fill. */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { NormalizedEvent } from '../../server/src/core/events';

/** A document id in the shape of Strapi's (24 characters), for rows the baselines create. */
export const rowDocumentId = (): string => randomUUID().replace(/-/g, '').slice(0, 24);

/**
 * A multi-row `insert … values (…), (…)` (knex's SQLite insert is capped at 500 rows), with an
 * optional tail (`on conflict … do nothing returning …`). Answers the rows a `returning` tail gives.
 */
export async function insertRows(trx: Knex | Knex.Transaction, table: string, rows: Record<string, unknown>[], tail = ''): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]);
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const bindings: unknown[] = [];
  for (const row of rows) for (const c of columns) bindings.push(row[c] ?? null);
  const result = (await trx.raw(`insert into ?? (${columns.map(() => '??').join(',')}) values ${rows.map(() => tuple).join(',')} ${tail}`, [table, ...columns, ...bindings])) as
    | Record<string, unknown>[]
    | { rows?: Record<string, unknown>[] };
  return Array.isArray(result) ? result : (result.rows ?? []);
}

/** The row the plugin's intake writes for an event (snake_case, for knex). */
export function eventColumns(event: NormalizedEvent, key: string, now: Date, logDocumentId: string | null = event.correlationId): Record<string, unknown> {
  return {
    document_id: rowDocumentId(),
    event_key: key,
    log_document_id: logDocumentId,
    kind: event.kind,
    outcome: 'applied',
    channel: event.channel,
    address: event.address,
    provider: event.provider,
    provider_message_id: event.providerMessageId,
    attempt: event.attempt,
    occurred_at: new Date(event.occurredAt),
    raw_type: event.rawType,
    raw_code: event.rawCode,
    raw_text: event.rawText,
    severity: event.severity,
    reason: 'Recorded.',
    created_at: now,
    updated_at: now,
    published_at: now,
  };
}
