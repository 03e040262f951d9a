import { addDays, daysBetween, isTimeZone, localDay, offsetMinutesAt, zonedDayStart } from './time-zones';

const london = { timeZone: 'Europe/London' };

describe('zonedDayStart', () => {
  it('is local midnight on either side of a daylight-saving change', () => {
    expect(new Date(zonedDayStart('2025-10-26', london)!).toISOString()).toBe('2025-10-25T23:00:00.000Z'); // BST
    expect(new Date(zonedDayStart('2025-10-27', london)!).toISOString()).toBe('2025-10-27T00:00:00.000Z'); // GMT
    expect(new Date(zonedDayStart('2026-03-29', london)!).toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(new Date(zonedDayStart('2026-03-30', london)!).toISOString()).toBe('2026-03-29T23:00:00.000Z');
  });

  it('where a zone skips midnight, the day starts at its first instant (Santiago, 2024-09-08 00:00 → 01:00)', () => {
    expect(new Date(zonedDayStart('2024-09-08', { timeZone: 'America/Santiago' })!).toISOString()).toBe('2024-09-08T04:00:00.000Z');
  });

  it('handles offsets that are not whole hours, and fixed offsets', () => {
    expect(new Date(zonedDayStart('2025-10-26', { timeZone: 'Asia/Kathmandu' })!).toISOString()).toBe('2025-10-25T18:15:00.000Z');
    expect(new Date(zonedDayStart('2025-10-26', { offsetMinutes: 60 })!).toISOString()).toBe('2025-10-25T23:00:00.000Z');
  });

  it('refuses days that do not exist', () => {
    expect(zonedDayStart('2025-02-30', london)).toBeNull();
    expect(zonedDayStart('x', london)).toBeNull();
  });
});

describe('the rest', () => {
  it('offsets, local days and calendar arithmetic', () => {
    expect(offsetMinutesAt(london, Date.UTC(2025, 6, 1))).toBe(60);
    expect(offsetMinutesAt(london, Date.UTC(2025, 11, 1))).toBe(0);
    expect(localDay(london, Date.UTC(2025, 9, 25, 23, 30))).toBe('2025-10-26');
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
    expect(daysBetween('2025-10-25', '2026-03-30')).toBe(156);
    expect(() => addDays('x', 1)).toThrow(RangeError);
  });

  it('knows IANA names and refuses others', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Europe/Atlantis')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
