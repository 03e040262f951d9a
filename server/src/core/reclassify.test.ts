import { makeEvent } from '../../../tests/fixtures/events';
import { DEFAULT_DECISION_POLICY } from './policy';
import { reclassificationRefusal, replayAddress, type HistoryItem } from './reclassify';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 10, 1, 12, 0, 0);
const NONE = new Map<string, number>();

const attempt = (log: string, n: number, at: number): HistoryItem => ({ type: 'attempt', logDocumentId: log, attempt: n, at });
const event = (log: string | null, kind: 'hard_bounce' | 'soft_bounce' | 'sender_block' | 'delivered', at: number, processedAt = at): HistoryItem => ({
  type: 'event',
  event: makeEvent({ kind, occurredAt: at, attempt: null, rawCode: kind === 'hard_bounce' ? '5.1.1' : '4.2.2' }),
  logDocumentId: log,
  processedAt,
});

describe('replaying an address', () => {
  it('gives what the intake gave: a hard bounce fails it, a delivery before it does not matter', () => {
    const state = replayAddress([attempt('m1', 1, T), event('m1', 'delivered', T + HOUR), attempt('m2', 1, T + 2 * HOUR), event('m2', 'hard_bounce', T + 3 * HOUR)], { reactivatedAt: null }, DEFAULT_DECISION_POLICY, NONE);
    expect(state).toMatchObject({ state: 'failed', providerCode: '5.1.1', lastDeliveredAt: T + HOUR });
  });

  it('re-sends put the message back to sent, so each soft bounce counts, and three exhausted messages escalate', () => {
    // Each message soft-bounces once, then again after the 72 h window: retries exhausted.
    const history = ['m1', 'm2', 'm3'].flatMap((log, i) => {
      const start = T + i * 100 * HOUR;
      return [attempt(log, 1, start), event(log, 'soft_bounce', start + HOUR), attempt(log, 2, start + 2 * HOUR), event(log, 'soft_bounce', start + 73 * HOUR)];
    });
    const state = replayAddress(history, { reactivatedAt: null }, DEFAULT_DECISION_POLICY, NONE);
    expect(state).toMatchObject({ state: 'failed', exhaustedStreak: 3 });
    // The same history with the last refusals read as blocks of the sender: nothing counts against the address.
    const blocks = history.map((item) => (item.type === 'event' ? { ...item, event: { ...item.event, kind: 'sender_block' as const } } : item));
    expect(replayAddress(blocks, { reactivatedAt: null }, DEFAULT_DECISION_POLICY, NONE)).toMatchObject({ state: 'active', exhaustedStreak: 0, softBounceCount: 0 });
  });

  it('keeps the reactivation: events before it stay history', () => {
    const state = replayAddress([event(null, 'hard_bounce', T)], { reactivatedAt: T + HOUR }, DEFAULT_DECISION_POLICY, NONE);
    expect(state).toMatchObject({ state: 'active', reactivatedAt: T + HOUR });
  });
});

describe('which corrections can be made', () => {
  it.each([
    ['email', 'hard_bounce', 'sender_block', null],
    ['email', 'soft_bounce', 'hard_bounce', null],
    ['sms', 'hard_bounce', 'failed', null],
    ['sms', 'hard_bounce', 'sender_block', /Only an email refusal/],
    ['email', 'delivered', 'hard_bounce', /cannot be re-classified/],
    ['email', 'send_attempt', 'hard_bounce', /cannot be re-classified/],
    ['email', 'hard_bounce', 'complaint', /kind must be one of/],
    ['email', 'failed', 'failed', /already "failed"/],
  ] as const)('%s %s → %s', (channel, from, to, refusal) => {
    const answer = reclassificationRefusal(channel, from, to);
    if (refusal === null) expect(answer).toBeNull();
    else expect(answer).toMatch(refusal);
  });
});
