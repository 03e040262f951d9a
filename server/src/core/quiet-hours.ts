/**
 * Quiet hours: the local hours in which a bulk send or a touchpoint must not reach a student (a
 * text at 2 am), per channel, in the student's own time zone. Pure: the clock, the zone and the
 * message come in; out comes the instant the message may go, or null when it may go now.
 *
 * Local wall-clock times are turned into instants with the runtime's Intl time-zone data
 * (`time-zones.ts`), so a daylight-saving change is handled as the zone really has it: on a
 * spring-forward night a window ending at 02:30 in New York ends at 03:00 EDT (02:30 does not
 * exist); on a fall-back night a window ending at 01:30 ends at the first 01:30.
 */
import type { Channel } from './events';
import type { MessageSource } from './message-input';
import { isTimeZone, offsetMinutesAt } from './time-zones';

/** A window of local time, `HH:MM` to `HH:MM`; `start` after `end` crosses midnight (21:00 → 08:00). */
export interface QuietWindow {
  start: string;
  end: string;
}

export interface QuietHoursPolicy {
  /** Per channel; null: that channel has no quiet hours. */
  windows: Record<Channel, QuietWindow | null>;
  /** The site's time zone (IANA), for students whose own zone is unknown. */
  timeZone: string;
  /** Message categories sent whatever the hour (`critical`). */
  exemptCategories: string[];
  /** Which sources wait: a bulk send (`grab`) and a touchpoint by default; an editor's or the API's send goes at once. */
  sources: MessageSource[];
}

/** What quiet hours need to know of a message. */
export interface QuietCandidate {
  channel: Channel;
  source: string | null;
  category: string | null;
  /** The student's own zone, from the mapped contact field (null or unknown: the site's). */
  timeZone: string | null;
}

/** Why and until when a message waits. */
export interface QuietHold {
  until: number;
  timeZone: string;
  window: QuietWindow;
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;
const DAY = DAY_MINUTES * MINUTE;

/** Minutes after midnight of an `HH:MM` (24-hour) time, or null when it is not one. */
export function clockMinutes(text: string): number | null {
  const match = CLOCK.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

function windowMinutes(window: QuietWindow): { start: number; end: number } {
  const start = clockMinutes(window.start);
  const end = clockMinutes(window.end);
  if (start === null || end === null || start === end) throw new RangeError(`not a quiet-hours window: ${window.start}–${window.end}`);
  return { start, end };
}

/** Whether a local minute of the day falls inside the window (start included, end excluded). */
export function inWindow(window: QuietWindow, minuteOfDay: number): boolean {
  const { start, end } = windowMinutes(window);
  return start < end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
}

/** The wall-clock time in the zone at an instant, as epoch ms of that wall time read as UTC. */
function wallClock(timeZone: string, ms: number): number {
  return ms + offsetMinutesAt({ timeZone }, ms) * MINUTE;
}

/**
 * The first instant whose wall-clock time in the zone is at or after `wall` (epoch ms of a local
 * time read as UTC): the local time itself, its first occurrence when it is repeated (fall back),
 * or the end of the gap when it does not exist (spring forward). Only instants from `notBefore` on
 * count: on a fall-back night, a window can still be open at the second 01:15, to end at the second 01:30.
 */
export function firstInstantAtWall(timeZone: string, wall: number, notBefore = -Infinity): number {
  // The zone's offsets either side: at most one change lies within a day of any instant.
  const offsets = [...new Set([offsetMinutesAt({ timeZone }, wall - DAY), offsetMinutesAt({ timeZone }, wall + DAY)])];
  const exact = offsets.map((offset) => wall - offset * MINUTE).filter((ms) => ms >= notBefore && wallClock(timeZone, ms) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // In a gap: the change itself, searched to the minute between the two readings.
  let lo = Math.min(...offsets.map((offset) => wall - offset * MINUTE));
  let hi = Math.max(...offsets.map((offset) => wall - offset * MINUTE));
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / (2 * MINUTE)) * MINUTE;
    if (wallClock(timeZone, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The next instant at which a message may go, or null when `now` is outside the window. The
 * window ends at its local end time: today's when that is still ahead, tomorrow's otherwise
 * (a window crossing midnight, entered before midnight).
 */
export function nextAllowedInstant(window: QuietWindow, timeZone: string, now: number): number | null {
  const wall = wallClock(timeZone, now);
  const localMidnight = wall - (wall % DAY);
  const minuteOfDay = Math.floor((wall - localMidnight) / MINUTE);
  if (!inWindow(window, minuteOfDay)) return null;
  const { end } = windowMinutes(window);
  const endToday = localMidnight + end * MINUTE;
  const endWall = endToday > wall ? endToday : endToday + DAY;
  return Math.max(firstInstantAtWall(timeZone, endWall, now + 1), now + 1);
}

/** The zone a message's hours are read in: the student's when the runtime knows it, else the site's. */
export function zoneFor(candidate: QuietCandidate, policy: QuietHoursPolicy): string {
  const own = candidate.timeZone?.trim();
  return own && isTimeZone(own) ? own : policy.timeZone;
}

/** Whether a message waits for quiet hours to end, and until when (null: it goes now). */
export function quietHold(candidate: QuietCandidate, policy: QuietHoursPolicy, now: number): QuietHold | null {
  const window = policy.windows[candidate.channel];
  if (!window) return null;
  if (!(policy.sources as string[]).includes(candidate.source ?? '')) return null;
  if (candidate.category !== null && policy.exemptCategories.includes(candidate.category)) return null;
  const timeZone = zoneFor(candidate, policy);
  const until = nextAllowedInstant(window, timeZone, now);
  return until === null ? null : { until, timeZone, window };
}
