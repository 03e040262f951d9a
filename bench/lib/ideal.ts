/**
 * The ideal intake: the effects of the plugin's intake for one batch (event rows inserted,
 * messages' statuses updated, ledger rows upserted, contact mirrors updated) as hand-tuned
 * set-based SQL through knex, without Strapi, in one transaction: one insert of the events that
 * skips stored keys and answers the new ones, one UPDATE … FROM (VALUES …) for the messages, one
 * upsert for the ledger, one UPDATE … FROM for the contacts. What a database-minded engineer would
 * write by hand; the plugin's intake is measured as a fraction of it.
 */
import type { Knex } from 'knex';
import type { NormalizedEvent } from '../../server/src/core/events';
import { foldEffects, type AddressChange, type MessageChange } from './baseline-effects';
import { eventColumns, insertRows, rowDocumentId } from './rows';
import type { Dialect } from './seed';

const CHUNK = 500;

/** A CTE over bound rows: `with name(columns) as (values (…), …)`. */
function valuesCte(name: string, columns: string[], rows: unknown[][]): { sql: string; bindings: unknown[] } {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return { sql: `with ${name}(${columns.join(', ')}) as (values ${rows.map(() => tuple).join(', ')})`, bindings: rows.flat() };
}

/** A timestamp bound into a VALUES list: SQLite stores Strapi's datetimes as epoch ms; PostgreSQL needs the cast. */
const boundTime = (dialect: Dialect, ms: number | null): unknown => (ms === null ? null : dialect === 'sqlite' ? ms : new Date(ms).toISOString());
const readTime = (dialect: Dialect, column: string): string => (dialect === 'sqlite' ? column : `${column}::timestamp`);

/** Inserts the events whose keys are not stored yet; answers those (the database's unique index is the dedupe). */
async function insertFreshEvents(trx: Knex.Transaction, events: NormalizedEvent[], now: Date): Promise<NormalizedEvent[]> {
  const byKey = new Map(events.map((event) => [event.eventKey, event]));
  const fresh: NormalizedEvent[] = [];
  const unique = [...byKey.values()];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = unique.slice(i, i + CHUNK).map((event) => eventColumns(event, event.eventKey, now));
    const inserted = await insertRows(trx, 'deliverability_events', rows, 'on conflict (event_key) do nothing returning event_key');
    for (const row of inserted) fresh.push(byKey.get(row.event_key as string)!);
  }
  return fresh;
}

async function updateMessages(trx: Knex.Transaction, dialect: Dialect, changes: MessageChange[], now: Date): Promise<void> {
  for (let i = 0; i < changes.length; i += CHUNK) {
    const rows = changes.slice(i, i + CHUNK).map((c) => [c.documentId, c.status, c.reason, boundTime(dialect, c.lastEventAt)]);
    const v = valuesCte('v', ['document_id', 'status', 'reason', 'at'], rows);
    await trx.raw(
      `${v.sql} update deliverability_logs set status = v.status, status_reason = v.reason, last_event_at = ${readTime(dialect, 'v.at')}, updated_at = ?
         from v where deliverability_logs.document_id = v.document_id`,
      [...v.bindings, boundTime(dialect, now.getTime())],
    );
  }
}

async function upsertAddresses(trx: Knex.Transaction, changes: AddressChange[], now: Date): Promise<void> {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
  for (let i = 0; i < changes.length; i += CHUNK) {
    const rows = changes.slice(i, i + CHUNK).map((c) => ({
      document_id: rowDocumentId(), channel: c.channel, address: c.address, state: c.state ?? 'active', reason: c.reason, provider: 'sendgrid',
      state_changed_at: c.state ? at(c.at) : null, last_delivered_at: at(c.lastDeliveredAt), last_soft_bounce_at: at(c.lastSoftBounceAt),
      soft_bounce_count: c.softBounces, exhausted_streak: 0, bounce_score: 0, created_at: now, updated_at: now, published_at: now,
    }));
    // A change with no reason leaves the state as it is; counters add up rather than being read and written back.
    await insertRows(trx, 'deliverability_addresses', rows, `on conflict (channel, address) do update set
      state = case when excluded.reason is null then deliverability_addresses.state else excluded.state end,
      reason = coalesce(excluded.reason, deliverability_addresses.reason),
      state_changed_at = coalesce(excluded.state_changed_at, deliverability_addresses.state_changed_at),
      last_delivered_at = coalesce(excluded.last_delivered_at, deliverability_addresses.last_delivered_at),
      last_soft_bounce_at = coalesce(excluded.last_soft_bounce_at, deliverability_addresses.last_soft_bounce_at),
      soft_bounce_count = deliverability_addresses.soft_bounce_count + excluded.soft_bounce_count,
      updated_at = excluded.updated_at`);
  }
}

const MIRROR = { email: 'email', sms: 'mobile' } as const;

/** The status mirror of every student using an address whose state changed, found through the contact-address index. */
async function updateMirrors(trx: Knex.Transaction, dialect: Dialect, changes: AddressChange[], now: Date): Promise<void> {
  for (const channel of ['email', 'sms'] as const) {
    const changed = changes.filter((c) => c.channel === channel && c.state !== null);
    const m = MIRROR[channel];
    for (let i = 0; i < changed.length; i += CHUNK) {
      const v = valuesCte('v', ['address', 'status', 'reason', 'at'], changed.slice(i, i + CHUNK).map((c) => [c.address, c.state, c.reason, boundTime(dialect, c.at)]));
      await trx.raw(
        `${v.sql} update deliverability_contacts set ${m}_status = v.status, ${m}_status_reason = v.reason, ${m}_status_at = ${readTime(dialect, 'v.at')}, updated_at = ?
           from v join deliverability_contact_addresses ca on ca.channel = '${channel}' and ca.address = v.address
          where deliverability_contacts.document_id = ca.contact_document_id`,
        [...v.bindings, boundTime(dialect, now.getTime())],
      );
    }
  }
}

/** One batch, one transaction. Answers how many events were new. */
export async function applyIdeal(knex: Knex, dialect: Dialect, events: NormalizedEvent[]): Promise<number> {
  const now = new Date();
  return knex.transaction(async (trx) => {
    const fresh = await insertFreshEvents(trx, events, now);
    const { messages, addresses } = foldEffects(fresh);
    await updateMessages(trx, dialect, messages, now);
    await upsertAddresses(trx, addresses, now);
    await updateMirrors(trx, dialect, addresses, now);
    return fresh.length;
  });
}
