/**
 * The reports' counts checked against the messages themselves, straight from the database: every
 * (quarter-hour, channel, status) count, folded or still a delta, must equal a GROUP BY over the
 * messages, and so must every (hour, channel, status) count with the deltas of its hour. For tests that seed messages behind the plugin's back, `seedReportCounts` writes what
 * the plugin would have counted for them.
 */
import type { Knex } from 'knex';
import { bucketOf, hourOf } from '../../server/src/core/report-rollup';

const LOGS = 'deliverability_logs';
const COUNTS = 'deliverability_report_counts';
const DELTAS = 'deliverability_report_deltas';
const HOURS = 'deliverability_report_hours';

const keyOf = (bucket: number, channel: string, status: string) => `${new Date(bucket).toISOString()} ${channel} ${status}`;
const hourKeyOf = (bucket: number, channel: string, status: string) => `hour ${keyOf(hourOf(bucket), channel, status)}`;
const ms = (value: unknown) =>
  value instanceof Date ? value.getTime() : typeof value === 'number' ? value : new Date(String(value)).getTime();

/** Messages written straight into the table get the counts the plugin writes for a new message. */
export async function seedReportCounts(knex: Knex, messages: { created_at: Date; channel: string; status: string }[]): Promise<void> {
  const tally = new Map<string, { bucket: Date; channel: string; status: string; messages: number }>();
  for (const m of messages) {
    const bucket = bucketOf(m.created_at.getTime());
    const key = keyOf(bucket, m.channel, m.status);
    const row = tally.get(key) ?? { bucket: new Date(bucket), channel: m.channel, status: m.status, messages: 0 };
    row.messages += 1;
    tally.set(key, row);
  }
  if (tally.size > 0) await knex.batchInsert(DELTAS, [...tally.values()], 100);
}

/**
 * Every count that differs from the messages, as "bucket channel status: counted n, messages m".
 * Both are read in one snapshot (a repeatable-read transaction), so a write that commits between
 * the two reads cannot show as a difference.
 */
export async function reportCountMismatches(knex: Knex): Promise<string[]> {
  return knex.transaction(async (trx) => {
    if (/^(pg|postgres)/.test(String(knex.client.config.client))) await trx.raw('set transaction isolation level repeatable read');
    const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);
    const expected = new Map<string, number>();
    for (const row of (await trx(LOGS).select('created_at', 'channel', 'status')) as Record<string, unknown>[]) {
      const at = ms(row.created_at);
      add(expected, keyOf(bucketOf(at), String(row.channel), String(row.status)), 1);
      add(expected, hourKeyOf(at, String(row.channel), String(row.status)), 1);
    }
    const counted = new Map<string, number>();
    const rowsOf = async (table: string) => (await trx(table).select('bucket', 'channel', 'status', 'messages')) as Record<string, unknown>[];
    for (const row of await rowsOf(COUNTS)) add(counted, keyOf(ms(row.bucket), String(row.channel), String(row.status)), Number(row.messages));
    for (const row of await rowsOf(HOURS)) add(counted, hourKeyOf(ms(row.bucket), String(row.channel), String(row.status)), Number(row.messages));
    for (const row of await rowsOf(DELTAS)) {
      add(counted, keyOf(ms(row.bucket), String(row.channel), String(row.status)), Number(row.messages));
      add(counted, hourKeyOf(ms(row.bucket), String(row.channel), String(row.status)), Number(row.messages));
    }
    const keys = new Set([...expected.keys(), ...counted.keys()]);
    return [...keys]
      .filter((key) => (expected.get(key) ?? 0) !== (counted.get(key) ?? 0))
      .sort()
      .map((key) => `${key}: counted ${counted.get(key) ?? 0}, messages ${expected.get(key) ?? 0}`);
  });
}
