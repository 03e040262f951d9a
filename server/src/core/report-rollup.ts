/**
 * The reports' roll-up: messages counted by (quarter-hour of creation, channel, status), so that a
 * report reads a few thousand counts instead of every message of its period.
 *
 * A quarter of an hour, in UTC, because reports are in the reader's time zone and every zone's
 * offset from UTC is a whole number of quarter-hours (India +05:30, Nepal +05:45): each local day
 * is a whole number of buckets, daylight-saving days included, so the roll-up is exact for any zone.
 *
 * Every write that creates, re-statuses or deletes a message records the change as deltas, in its
 * own transaction (an append, never an update of a shared row: concurrent writers never wait for
 * each other or deadlock on a counter). A compaction folds them into the roll-up now and then.
 *
 * The compaction also keeps the same counts by hour. Most zones' days start on the hour, and a
 * report of such days reads the hourly counts: a quarter of the rows, which matters at millions
 * of messages (a 30-day report reads 30 × 24 hours × channels × statuses).
 */
import type { Channel } from './events';
import type { MessageStatus } from './statuses';

export const ROLLUP_BUCKET_MS = 15 * 60_000;

export const ROLLUP_HOUR_MS = 60 * 60_000;

/** The first instant of the quarter-hour (UTC) that holds `ms`. */
export function bucketOf(ms: number): number {
  return Math.floor(ms / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
}

/** The first instant of the hour (UTC) that holds `ms`. */
export function hourOf(ms: number): number {
  return Math.floor(ms / ROLLUP_HOUR_MS) * ROLLUP_HOUR_MS;
}

/** Whether every instant starts an hour (UTC): then each period between them is whole hours. */
export function allOnTheHour(instants: readonly number[]): boolean {
  return instants.every((ms) => ms % ROLLUP_HOUR_MS === 0);
}

/** A message created (`from` null), re-statused, or deleted (`to` null). */
export interface StatusChange {
  createdAt: number;
  channel: Channel;
  from: MessageStatus | null;
  to: MessageStatus | null;
}

export interface RollupDelta {
  bucket: number;
  channel: Channel;
  status: MessageStatus;
  /** Messages added to (positive) or taken from (negative) this count. */
  messages: number;
}

/** Sums deltas by count; `deltas()` gives the non-zero sums in one order (bucket, channel, status). */
export class DeltaTally {
  private readonly sums = new Map<string, RollupDelta>();

  add(bucket: number, channel: Channel, status: MessageStatus, messages: number): void {
    const key = `${bucket}|${channel}|${status}`;
    const sum = this.sums.get(key) ?? { bucket, channel, status, messages: 0 };
    sum.messages += messages;
    this.sums.set(key, sum);
  }

  deltas(): RollupDelta[] {
    return [...this.sums.values()]
      .filter((delta) => delta.messages !== 0)
      .sort((a, b) => a.bucket - b.bucket || a.channel.localeCompare(b.channel) || a.status.localeCompare(b.status));
  }
}

/** The net change to each count, zero changes left out, in one order (bucket, channel, status). */
export function rollupDeltas(changes: readonly StatusChange[]): RollupDelta[] {
  const tally = new DeltaTally();
  for (const change of changes) {
    if (change.from === change.to) continue;
    const bucket = bucketOf(change.createdAt);
    if (change.from !== null) tally.add(bucket, change.channel, change.from, -1);
    if (change.to !== null) tally.add(bucket, change.channel, change.to, 1);
  }
  return tally.deltas();
}

/** Quarter-hour deltas summed by hour, for the hourly counts. */
export function hourlyDeltas(deltas: readonly RollupDelta[]): RollupDelta[] {
  const tally = new DeltaTally();
  for (const delta of deltas) tally.add(hourOf(delta.bucket), delta.channel, delta.status, delta.messages);
  return tally.deltas();
}
