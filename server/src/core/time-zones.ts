/**
 * Calendar days in a reader's time zone, as UTC instants. Reports group messages by the day they
 * were created in the reader's calendar; across a daylight-saving change one offset cannot do
 * that (a London day in summer starts at 23:00 UTC, in winter at 00:00), so each day's start is
 * computed here, in JavaScript, and the database only compares instants: no database time-zone
 * tables, and the same answer on SQLite, PostgreSQL and MySQL.
 */

/** An IANA zone (`Europe/London`), or a fixed offset from UTC for readers that give one. */
export type ReportZone = { timeZone: string } | { offsetMinutes: number };

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows this IANA zone name (`Europe/London`, `UTC`). */
export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The zone's canonical name as the runtime spells it (`europe/london` → `Europe/London`). */
export function canonicalTimeZone(name: string): string {
  return formatter(name).resolvedOptions().timeZone;
}

/** Minutes to add to UTC to get local time in the zone at an instant. */
export function offsetMinutesAt(zone: ReportZone, ms: number): number {
  if ('offsetMinutes' in zone) return zone.offsetMinutes;
  const parts: Record<string, number> = {};
  for (const part of formatter(zone.timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** Epoch ms of a YYYY-MM-DD's midnight in UTC, or null when it is not a real date (2025-02-30). */
export function utcMidnight(day: string): number | null {
  if (!DAY_PATTERN.test(day)) return null;
  const [y, m, d] = day.split('-').map(Number);
  const utc = Date.UTC(y, m - 1, d);
  return new Date(utc).toISOString().slice(0, 10) === day ? utc : null;
}

/** The local calendar day (YYYY-MM-DD) of an instant in the zone. */
export function localDay(zone: ReportZone, ms: number): string {
  return new Date(ms + offsetMinutesAt(zone, ms) * 60_000).toISOString().slice(0, 10);
}

/**
 * The first instant of a local calendar day in the zone, or null when the day is not a real date.
 * Usually local midnight; where a zone skips midnight (a change at 00:00), the first instant that
 * belongs to the day.
 */
export function zonedDayStart(day: string, zone: ReportZone): number | null {
  const midnight = utcMidnight(day);
  if (midnight === null) return null;
  if ('offsetMinutes' in zone) return midnight - zone.offsetMinutes * 60_000;
  // The offset at a guess, then at the instant it points to: exact unless a change lies between.
  const first = midnight - offsetMinutesAt(zone, midnight) * 60_000;
  const candidate = midnight - offsetMinutesAt(zone, first) * 60_000;
  if (localDay(zone, candidate) === day && localDay(zone, candidate - 1) !== day) return candidate;
  // Midnight does not exist (or is repeated) here: search the first instant of the day, to the minute.
  let lo = midnight - 15 * 3_600_000;
  let hi = midnight + 15 * 3_600_000;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (localDay(zone, mid) >= day) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The calendar day n days after a YYYY-MM-DD (n may be negative). The day must be valid. */
export function addDays(day: string, n: number): string {
  const midnight = utcMidnight(day);
  if (midnight === null) throw new RangeError(`not a calendar day: ${day}`);
  return new Date(midnight + n * 86_400_000).toISOString().slice(0, 10);
}

/** Calendar days from one YYYY-MM-DD to another (whole days, whatever the zone's changes). */
export function daysBetween(from: string, to: string): number {
  const a = utcMidnight(from);
  const b = utcMidnight(to);
  if (a === null || b === null) throw new RangeError('not a calendar day');
  return Math.round((b - a) / 86_400_000);
}
