import { clockMinutes, firstInstantAtWall, inWindow, nextAllowedInstant, quietHold, type QuietHoursPolicy } from './quiet-hours';

const night = { start: '21:00', end: '08:00' };
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const next = (window: { start: string; end: string }, zone: string, now: string): string | null =>
  iso(nextAllowedInstant(window, zone, at(now)));

describe('nextAllowedInstant: a window crossing midnight', () => {
  it('before midnight waits for tomorrow morning; after midnight for this morning', () => {
    expect(next(night, 'UTC', '2026-06-10T23:00:00Z')).toBe('2026-06-11T08:00:00.000Z');
    expect(next(night, 'UTC', '2026-06-11T02:00:00Z')).toBe('2026-06-11T08:00:00.000Z');
  });

  it('the start is quiet, the end is not', () => {
    expect(next(night, 'UTC', '2026-06-10T21:00:00Z')).toBe('2026-06-11T08:00:00.000Z');
    expect(next(night, 'UTC', '2026-06-10T20:59:59Z')).toBeNull();
    expect(next(night, 'UTC', '2026-06-11T08:00:00Z')).toBeNull();
    expect(next(night, 'UTC', '2026-06-11T07:59:59Z')).toBe('2026-06-11T08:00:00.000Z');
    expect(next(night, 'UTC', '2026-06-11T12:00:00Z')).toBeNull();
  });

  it('a window within one day', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(next(lunch, 'UTC', '2026-06-11T12:10:00Z')).toBe('2026-06-11T13:30:00.000Z');
    expect(next(lunch, 'UTC', '2026-06-11T11:59:00Z')).toBeNull();
    expect(next(lunch, 'UTC', '2026-06-11T23:00:00Z')).toBeNull();
  });

  it('reads the hours in the zone given, not the server’s', () => {
    // 23:00 UTC is 19:00 in New York (EDT): not quiet there; it is 00:00 in London (BST): quiet.
    expect(next(night, 'America/New_York', '2026-06-10T23:00:00Z')).toBeNull();
    expect(next(night, 'Europe/London', '2026-06-10T23:00:00Z')).toBe('2026-06-11T07:00:00.000Z');
    expect(next(night, 'Asia/Kathmandu', '2026-06-10T16:00:00Z')).toBe('2026-06-11T02:15:00.000Z'); // +05:45
  });
});

describe('nextAllowedInstant across daylight-saving changes', () => {
  it('Europe/London, spring forward (2026-03-29, 01:00 GMT → 02:00 BST): 08:00 BST', () => {
    expect(next(night, 'Europe/London', '2026-03-28T23:00:00Z')).toBe('2026-03-29T07:00:00.000Z');
    expect(next(night, 'Europe/London', '2026-03-29T01:30:00Z')).toBe('2026-03-29T07:00:00.000Z');
  });

  it('Europe/London, fall back (2026-10-25, 02:00 BST → 01:00 GMT): 08:00 GMT', () => {
    expect(next(night, 'Europe/London', '2026-10-24T22:00:00Z')).toBe('2026-10-25T08:00:00.000Z');
    // 20:30 GMT the next evening is not quiet yet; 21:00 GMT is.
    expect(next(night, 'Europe/London', '2026-10-25T20:30:00Z')).toBeNull();
    expect(next(night, 'Europe/London', '2026-10-25T21:00:00Z')).toBe('2026-10-26T08:00:00.000Z');
  });

  it('America/New_York, spring forward (2026-03-08, 02:00 EST → 03:00 EDT): 08:00 EDT', () => {
    expect(next(night, 'America/New_York', '2026-03-08T06:00:00Z')).toBe('2026-03-08T12:00:00.000Z');
    expect(next(night, 'America/New_York', '2026-03-08T02:00:00Z')).toBe('2026-03-08T12:00:00.000Z'); // 21:00 EST the evening before
  });

  it('America/New_York, fall back (2026-11-01, 02:00 EDT → 01:00 EST): 08:00 EST', () => {
    expect(next(night, 'America/New_York', '2026-11-01T05:30:00Z')).toBe('2026-11-01T13:00:00.000Z');
    expect(next(night, 'America/New_York', '2026-11-01T06:30:00Z')).toBe('2026-11-01T13:00:00.000Z');
  });

  it('a window ending in the spring-forward gap ends when the gap does (02:30 does not exist: 03:00 EDT)', () => {
    expect(next({ start: '22:00', end: '02:30' }, 'America/New_York', '2026-03-08T06:00:00Z')).toBe('2026-03-08T07:00:00.000Z');
  });

  it('a window ending in the repeated hour ends at the first 01:30, or at the second one for a message seen in between', () => {
    const window = { start: '22:00', end: '01:30' };
    expect(next(window, 'America/New_York', '2026-11-01T04:00:00Z')).toBe('2026-11-01T05:30:00.000Z'); // 00:00 EDT
    // 06:15Z is the second 01:15 (EST): still quiet, until 01:30 EST.
    expect(next(window, 'America/New_York', '2026-11-01T06:15:00Z')).toBe('2026-11-01T06:30:00.000Z');
  });

  it('never answers an instant that is not after now', () => {
    for (let hour = 0; hour < 48; hour += 0.25) {
      const now = at('2026-10-31T12:00:00Z') + hour * 3_600_000;
      const until = nextAllowedInstant({ start: '22:00', end: '01:30' }, 'America/New_York', now);
      if (until !== null) {
        expect(until).toBeGreaterThan(now);
        expect(nextAllowedInstant({ start: '22:00', end: '01:30' }, 'America/New_York', until)).toBeNull();
      }
    }
  });
});

describe('pieces', () => {
  it('clockMinutes reads 24-hour HH:MM only', () => {
    expect(clockMinutes('08:00')).toBe(480);
    expect(clockMinutes('23:59')).toBe(1439);
    for (const bad of ['24:00', '8:00', '08:60', '0800', '', '08:00 ']) expect(clockMinutes(bad)).toBeNull();
  });

  it('inWindow, both kinds', () => {
    expect(inWindow(night, 21 * 60)).toBe(true);
    expect(inWindow(night, 8 * 60)).toBe(false);
    expect(inWindow(night, 0)).toBe(true);
    expect(inWindow({ start: '12:00', end: '13:00' }, 12 * 60 + 59)).toBe(true);
    expect(() => inWindow({ start: '09:00', end: '09:00' }, 0)).toThrow(RangeError);
  });

  it('firstInstantAtWall: an ordinary local time is one instant', () => {
    expect(iso(firstInstantAtWall('Europe/London', at('2026-07-01T08:00:00Z')))).toBe('2026-07-01T07:00:00.000Z');
  });
});

describe('quietHold', () => {
  const policy: QuietHoursPolicy = {
    windows: { sms: night, email: null },
    timeZone: 'Europe/London',
    exemptCategories: ['critical'],
    sources: ['grab', 'touchpoint'],
  };
  const sms = { channel: 'sms' as const, source: 'grab', category: null, timeZone: null };
  const now = at('2026-06-11T01:00:00Z'); // 02:00 in London, 21:00 in New York

  it('holds a bulk SMS in the site’s zone, or in the student’s own', () => {
    expect(quietHold(sms, policy, now)).toEqual({ until: at('2026-06-11T07:00:00Z'), timeZone: 'Europe/London', window: night });
    expect(quietHold({ ...sms, timeZone: 'America/New_York' }, policy, now)).toEqual({
      until: at('2026-06-11T12:00:00Z'),
      timeZone: 'America/New_York',
      window: night,
    });
  });

  it('an unknown or empty student zone falls back to the site’s', () => {
    expect(quietHold({ ...sms, timeZone: 'Mars/Olympus' }, policy, now)?.timeZone).toBe('Europe/London');
    expect(quietHold({ ...sms, timeZone: '  ' }, policy, now)?.timeZone).toBe('Europe/London');
  });

  it('lets through: exempt categories, other sources, a channel without a window', () => {
    expect(quietHold({ ...sms, category: 'critical' }, policy, now)).toBeNull();
    expect(quietHold({ ...sms, category: 'marketing' }, policy, now)).not.toBeNull();
    expect(quietHold({ ...sms, source: 'manual' }, policy, now)).toBeNull();
    expect(quietHold({ ...sms, source: null }, policy, now)).toBeNull();
    expect(quietHold({ ...sms, channel: 'email' }, policy, now)).toBeNull();
  });
});
