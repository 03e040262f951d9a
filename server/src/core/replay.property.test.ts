/**
 * Property: providers repeat events and deliver them in any order; the final state of a message
 * and its address must not depend on either.
 */
import fc from 'fast-check';
import { makeEvent } from '../../../tests/fixtures/events';
import { NEW_ADDRESS, type MessageState } from './decide';
import type { DropReason, EventKind, NormalizedEvent } from './events';
import { DEFAULT_DECISION_POLICY, type DecisionPolicy } from './policy';
import { replay } from './replay';
import { messageRank } from './statuses';

const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);
const NOW = T0 + 3 * 3_600_000;

const START: MessageState = { status: 'sent', attempts: 1, firstAttemptAt: T0, nextAttemptAt: null, lastError: null };

/** A realistic history of one message: each kind at its place in time, as a provider would report it. */
const outcome = fc.constantFrom<EventKind>('delivered', 'soft_bounce', 'hard_bounce', 'dropped', 'failed', 'opt_out');
const afterDelivery = fc.constantFrom<EventKind | null>(null, 'complaint', 'unsubscribe', 'hard_bounce');
const dropReason = fc.constantFrom<DropReason>('bounced', 'invalid', 'complained', 'unsubscribed', 'other');

const history = fc
  .record({
    channel: fc.constantFrom<'email' | 'sms'>('email', 'sms'),
    accepted: fc.boolean(),
    delays: fc.integer({ min: 0, max: 3 }),
    outcome,
    later: afterDelivery,
    dropReason,
  })
  .map(({ channel, accepted, delays, outcome: final, later, dropReason: reason }) => {
    const events: NormalizedEvent[] = [];
    let at = T0;
    const push = (kind: EventKind, extra: Partial<NormalizedEvent> = {}) => {
      at += 60_000;
      events.push(makeEvent({ channel, kind, occurredAt: at, eventKey: `k:${events.length}:${kind}`, rawCode: kind, ...extra }));
    };
    if (accepted) push('accepted');
    for (let i = 0; i < delays; i++) push('delivery_delayed');
    push(final, final === 'dropped' ? { dropReason: reason } : {});
    if (final === 'delivered' && later && !(channel === 'sms' && later !== 'hard_bounce')) push(later);
    return events;
  });

/** The events, some repeated (same key), in an arbitrary order. */
const delivered = history.chain((events) =>
  fc
    .array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 6 })
    .map((repeats) => [...events, ...repeats.map((i) => ({ ...events[i] }))])
    .chain((withRepeats) => fc.shuffledSubarray(withRepeats, { minLength: withRepeats.length, maxLength: withRepeats.length }))
    .map((arrived) => ({ events, arrived })),
);

const policies: DecisionPolicy[] = [
  DEFAULT_DECISION_POLICY,
  { ...DEFAULT_DECISION_POLICY, escalation: { mode: 'score', softBounce: 1, threshold: 1, resetAfterDays: 30 } },
];

const summary = (result: ReturnType<typeof replay>) => ({
  status: result.message?.status,
  nextAttemptAt: result.message?.nextAttemptAt,
  lastError: result.message?.lastError,
  address: result.address.state,
  addressReason: result.address.reason,
  providerCode: result.address.providerCode,
});

describe('order and repetition do not change the outcome', () => {
  it.each(policies.map((p) => [p.escalation.mode, p] as const))('any arrival order gives the in-order result (escalation %s)', (_, policy) => {
    fc.assert(
      fc.property(delivered, ({ events, arrived }) => {
        const inOrder = replay(events, { message: START, address: NEW_ADDRESS }, policy, NOW);
        const shuffled = replay(arrived, { message: START, address: NEW_ADDRESS }, policy, NOW);
        expect(summary(shuffled)).toEqual(summary(inOrder));
      }),
      { numRuns: 2000 },
    );
  });

  it('a message status never moves down as events arrive', () => {
    fc.assert(
      fc.property(delivered, ({ arrived }) => {
        let rank = messageRank(START.status);
        let message: MessageState | null = START;
        for (const event of arrived) {
          message = replay([event], { message, address: NEW_ADDRESS }, DEFAULT_DECISION_POLICY, NOW).message;
          const next = messageRank(message!.status);
          expect(next).toBeGreaterThanOrEqual(rank);
          rank = next;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('replaying the whole batch again changes nothing', () => {
    fc.assert(
      fc.property(delivered, ({ arrived }) => {
        const once = replay(arrived, { message: START, address: NEW_ADDRESS }, DEFAULT_DECISION_POLICY, NOW);
        const twice = replay([...arrived, ...arrived], { message: START, address: NEW_ADDRESS }, DEFAULT_DECISION_POLICY, NOW);
        expect(summary(twice)).toEqual(summary(once));
        const again = replay(arrived, { message: once.message, address: once.address }, DEFAULT_DECISION_POLICY, NOW);
        expect(again.message?.status).toBe(once.message?.status);
        expect(again.address.state).toBe(once.address.state);
      }),
      { numRuns: 1000 },
    );
  });
});

/**
 * Several attempts of one message: earlier attempts soft-bounced and were re-sent, and the last
 * one ends delivered, hard-bounced, or soft-bounced again, within the retry window or after it
 * (exhaustion). Their reports (accepted, held by the provider, bounced, delivered) arrive in any
 * order, repeated, once all the attempts were made.
 */
const attempts = fc
  .record({
    count: fc.integer({ min: 1, max: 4 }),
    last: fc.constantFrom<EventKind>('delivered', 'soft_bounce', 'hard_bounce'),
    exhausted: fc.boolean(),
    accepted: fc.boolean(),
    delays: fc.integer({ min: 0, max: 2 }),
    complaint: fc.boolean(),
  })
  .map(({ count, last, exhausted, accepted, delays, complaint }) => {
    const events: NormalizedEvent[] = [];
    for (let attempt = 1; attempt <= count; attempt++) {
      let at = T0 + (attempt - 1) * 20 * 60_000;
      const push = (kind: EventKind) => {
        at += 60_000;
        events.push(makeEvent({ kind, attempt, occurredAt: at, eventKey: `a${attempt}:${events.length}:${kind}`, rawCode: kind }));
      };
      if (accepted) push('accepted');
      for (let i = 0; i < delays; i++) push('delivery_delayed');
      if (attempt < count) push('soft_bounce');
      else {
        push(last);
        if (last === 'delivered' && complaint) push('complaint');
      }
    }
    const start: MessageState = { status: 'sent', attempts: count, firstAttemptAt: T0, nextAttemptAt: null, lastError: null };
    // Past the 72-hour window, a final soft bounce exhausts the message.
    return { events, start, now: exhausted ? T0 + 80 * 3_600_000 : NOW };
  })
  .chain((history) =>
    fc
      .array(fc.integer({ min: 0, max: history.events.length - 1 }), { maxLength: 5 })
      .map((repeats) => [...history.events, ...repeats.map((i) => ({ ...history.events[i] }))])
      .chain((withRepeats) => fc.shuffledSubarray(withRepeats, { minLength: withRepeats.length, maxLength: withRepeats.length }))
      .map((arrived) => ({ ...history, arrived })),
  );

describe('retries, deliveries and exhaustion interleaved', () => {
  const fullSummary = (result: ReturnType<typeof replay>) => ({
    ...summary(result),
    softBounceCount: result.address.softBounceCount,
    exhaustedStreak: result.address.exhaustedStreak,
    bounceScore: result.address.bounceScore,
    lastDeliveredAt: result.address.lastDeliveredAt,
  });

  it.each(policies.map((p) => [p.escalation.mode, p] as const))('any arrival order of all attempts’ reports gives the in-order result (escalation %s)', (_, policy) => {
    fc.assert(
      fc.property(attempts, ({ events, arrived, start, now }) => {
        const inOrder = replay(events, { message: start, address: NEW_ADDRESS }, policy, now);
        const shuffled = replay(arrived, { message: start, address: NEW_ADDRESS }, policy, now);
        expect(fullSummary(shuffled)).toEqual(fullSummary(inOrder));
      }),
      { numRuns: 2000 },
    );
  });

  it('only the current attempt decides: an earlier attempt’s soft bounce never schedules a re-send', () => {
    fc.assert(
      fc.property(attempts, ({ arrived, start, now }) => {
        const result = replay(arrived, { message: start, address: NEW_ADDRESS }, DEFAULT_DECISION_POLICY, now);
        const current = arrived.filter((e) => e.attempt === start.attempts);
        if (!current.some((e) => e.kind === 'soft_bounce')) expect(result.message?.status).not.toBe('deferred');
      }),
      { numRuns: 1000 },
    );
  });
});
