import { randomUUID } from 'node:crypto';
import type { ServerDatabase } from './databases';

const id = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 20)}`;

/**
 * A bulk send of `count` SMS messages written straight into the database, as the services leave
 * one:
 * - `parked` (the default): queued and parked for the bulk worker, the send `queued`, as
 *   `bulk-sends.create` queues them;
 * - `held`: every message held by quiet hours whose window has just ended (`deferred`, never
 *   attempted, no lease, due a minute ago, as `quiet-hours.recordHolds` leaves them), the send
 *   `running`.
 * The send is written last, as the service's one transaction makes both visible at once: a worker
 * that saw the send before its messages would find nothing to send and call it done.
 */
export async function insertBulkSend(
  db: ServerDatabase,
  count: number,
  prefix: string,
  state: 'parked' | 'held' = 'parked',
): Promise<{ sendId: string; ids: string[] }> {
  const now = new Date();
  const sendId = id(`${prefix}send`);
  const content = JSON.stringify({ body: 'Enrolment closes Friday' });
  const queue: Record<string, unknown> =
    state === 'parked'
      ? { status: 'queued', lease_owner: 'bulk:parked', lease_expires_at: new Date('2999-01-01T00:00:00.000Z') }
      : { status: 'deferred', next_attempt_at: new Date(now.getTime() - 60_000) };
  const rows: Record<string, unknown>[] = Array.from({ length: count }, (_, i) => ({
    document_id: id(prefix),
    channel: 'sms',
    address: `+4477009${String(i).padStart(5, '0')}`,
    source: 'grab',
    source_name: `Grab ${prefix}`,
    attempts: 0,
    content,
    bulk_send_id: sendId,
    ...queue,
    created_at: now,
    updated_at: now,
    published_at: now,
  }));
  await db.knex.batchInsert('deliverability_logs', rows, 500);
  await db.knex('deliverability_bulk_sends').insert({
    document_id: sendId,
    source_name: `Grab ${prefix}`,
    channel: 'sms',
    content,
    total: count,
    without_address: 0,
    cancelled_count: 0,
    ...(state === 'parked' ? { status: 'queued' } : { status: 'running', started_at: now }),
    created_at: now,
    updated_at: now,
    published_at: now,
  });
  return { sendId, ids: rows.map((r) => r.document_id as string) };
}
