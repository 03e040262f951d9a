import { CHANNELS, type Channel } from '../core/events';
import { MESSAGE_SOURCES, type MessageSource } from '../core/message-input';
import { PolicyError, isPlainObject } from '../core/policy';
import { clockMinutes, type QuietHoursPolicy, type QuietWindow } from '../core/quiet-hours';
import { canonicalTimeZone, isTimeZone } from '../core/time-zones';

/**
 * The `quietHours` section (README, "Quiet hours"):
 * `{ sms: { start: '21:00', end: '08:00' }, email: null, timeZone: 'Europe/London', exemptCategories: ['critical'] }`.
 * Off unless a channel has a window: a site that never set it keeps sending at any hour, as before.
 */
const KEY = 'deliverability.quietHours';
const DEFAULT_SOURCES: MessageSource[] = ['grab', 'touchpoint'];

function validateWindow(key: string, input: unknown): QuietWindow | null {
  if (input === undefined || input === null) return null;
  if (!isPlainObject(input)) throw new PolicyError(key, "null or { start: '21:00', end: '08:00' }", input);
  const start = input.start;
  const end = input.end;
  for (const [name, value] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (typeof value !== 'string' || clockMinutes(value) === null)
      throw new PolicyError(`${key}.${name}`, "a 24-hour time such as '21:00'", value);
  }
  if (start === end) throw new PolicyError(`${key}.end`, 'a time other than the start (an empty window)', end);
  return { start: start as string, end: end as string };
}

function validateZone(input: unknown): string {
  // The server's own zone when the site names none (often UTC on a server: name the campus's zone).
  if (input === undefined || input === null || input === '') return Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (typeof input !== 'string' || !isTimeZone(input))
    throw new PolicyError(`${KEY}.timeZone`, "an IANA time zone such as 'Europe/London'", input);
  return canonicalTimeZone(input);
}

function validateList<T extends string>(key: string, input: unknown, fallback: T[], allowed?: readonly T[]): T[] {
  if (input === undefined) return fallback;
  if (!Array.isArray(input) || !input.every((v) => typeof v === 'string' && v.trim() !== ''))
    throw new PolicyError(key, 'a list of names', input);
  const names = input.map((v: string) => v.trim());
  const unknown = allowed ? names.find((n) => !(allowed as readonly string[]).includes(n)) : undefined;
  if (unknown !== undefined) throw new PolicyError(key, `names among ${allowed!.join(', ')}`, unknown);
  return names as T[];
}

export function validateQuietHoursConfig(input: unknown): QuietHoursPolicy {
  if (input !== undefined && input !== null && !isPlainObject(input)) throw new PolicyError(KEY, 'an object', input);
  const section = (input ?? {}) as Record<string, unknown>;
  const windows = Object.fromEntries(CHANNELS.map((channel) => [channel, validateWindow(`${KEY}.${channel}`, section[channel])])) as Record<
    Channel,
    QuietWindow | null
  >;
  return {
    windows,
    timeZone: validateZone(section.timeZone),
    exemptCategories: validateList(`${KEY}.exemptCategories`, section.exemptCategories, ['critical']),
    sources: validateList(`${KEY}.sources`, section.sources, DEFAULT_SOURCES, MESSAGE_SOURCES),
  };
}
