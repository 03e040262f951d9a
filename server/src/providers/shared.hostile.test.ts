import type { NormalizedEvent } from '../core/events';
import { eventTime, finishParseResult, isoToEpochMs, LATEST_STORABLE_MS, secondsToEpochMs, wellFormed, withNote } from './shared';

/** The shared parsing helpers against hostile input (issue 11). */

const NOW = Date.UTC(2026, 10, 30, 12);

describe('provider times outside what a database can store', () => {
  it.each([1e308, 1.2e29, 99999999999999, Number.MAX_VALUE])('secondsToEpochMs(%p) is null', (seconds) => {
    expect(secondsToEpochMs(seconds)).toBeNull();
  });

  it('keeps ordinary times, up to the last storable instant', () => {
    expect(secondsToEpochMs(1_760_000_000.5)).toBe(1_760_000_000_500);
    expect(secondsToEpochMs(LATEST_STORABLE_MS / 1000)).toBe(LATEST_STORABLE_MS);
    expect(isoToEpochMs('2025-10-09T14:32:05Z')).toBe(Date.UTC(2025, 9, 9, 14, 32, 5));
    expect(isoToEpochMs('+275760-09-13T00:00:00.000Z')).toBeNull();
  });

  it('eventTime takes the receipt time and notes the raw value when the provider time is unusable', () => {
    expect(eventTime(1000, 1, NOW)).toEqual({ occurredAt: 1000, note: null });
    expect(eventTime(null, undefined, NOW)).toEqual({ occurredAt: NOW, note: null });
    const unusable = eventTime(secondsToEpochMs(1e308), 1e308, NOW);
    expect(unusable.occurredAt).toBe(NOW);
    expect(unusable.note).toMatch(/1e\+308/);
    expect(withNote('550 5.1.1 gone', unusable.note)).toMatch(/^550 5\.1\.1 gone \[unusable timestamp 1e\+308/);
    expect(withNote(null, unusable.note)).toMatch(/^\[unusable timestamp/);
  });
});

describe('well-formed text', () => {
  it('replaces lone surrogates with U+FFFD and keeps pairs', () => {
    expect(wellFormed('probe-x\ud800')).toBe('probe-x\uFFFD');
    expect(wellFormed('\udc00a')).toBe('\uFFFDa');
    expect(wellFormed('emoji \ud83d\ude00 ok')).toBe('emoji \ud83d\ude00 ok');
  });

  it('finishParseResult makes every event field well-formed and bounds keys and ids', () => {
    const event: NormalizedEvent = {
      provider: 'sendgrid',
      channel: 'email',
      kind: 'delivered',
      address: 'a@example.com\ud800',
      providerMessageId: 'm'.repeat(300),
      correlationId: 'c\udc00',
      attempt: null,
      eventKey: `sendgrid:${'k'.repeat(300)}`,
      occurredAt: NOW,
      rawType: 'delivered',
      rawCode: null,
      rawText: 'x\ud800',
      severity: null,
    };
    const [clean] = finishParseResult({ events: [event] }).events;
    expect(clean.address).toBe('a@example.com\uFFFD');
    expect(clean.correlationId).toBe('c\uFFFD');
    expect(clean.rawText).toBe('x\uFFFD');
    expect(clean.providerMessageId).toBeNull();
    expect(clean.eventKey).toMatch(/^sendgrid:long:[0-9a-f]{32}$/);
  });
});
