import { makeEvent } from '../../../tests/fixtures/events';
import { decide, NEW_ADDRESS, type AddressLedgerState, type MessageState } from './decide';
import { DEFAULT_DECISION_POLICY, type DecisionPolicy } from './policy';

const NOW = Date.UTC(2026, 10, 1, 12, 5, 0);
const HOUR = 3_600_000;

const sent = (overrides: Partial<MessageState> = {}): MessageState => ({
  status: 'sent',
  attempts: 1,
  firstAttemptAt: NOW - 60_000,
  nextAttemptAt: null,
  lastError: null,
  ...overrides,
});

const address = (overrides: Partial<AddressLedgerState> = {}): AddressLedgerState => ({ ...NEW_ADDRESS, ...overrides });

function run(event: ReturnType<typeof makeEvent>, message: MessageState | null = sent(), addr: AddressLedgerState | null = null, policy: DecisionPolicy = DEFAULT_DECISION_POLICY) {
  return decide({ event, message, address: addr, policy, now: NOW });
}

describe('email hard bounce', () => {
  const event = makeEvent({ kind: 'hard_bounce', rawCode: '550 5.1.1', rawText: 'no such user', severity: 'permanent' });

  it('marks the message bounced and the address failed, with the provider code in the reasons', () => {
    const decision = run(event);
    expect(decision.message?.status).toBe('bounced');
    expect(decision.message?.lastError).toBe('550 5.1.1 no such user');
    expect(decision.address?.next.state).toBe('failed');
    expect(decision.address?.next.providerCode).toBe('550 5.1.1');
    expect(decision.address?.next.reason).toMatch(/Hard bounce from SendGrid: 550 5.1.1 no such user/);
    expect(decision.contact).toEqual({ status: 'failed', reason: decision.address?.next.reason, at: NOW });
    expect(decision.reason).toMatch(/will not be used again/);
  });

  it('overrides a delivery that came first (bounces can arrive days later)', () => {
    const decision = run(event, sent({ status: 'delivered' }));
    expect(decision.message?.status).toBe('bounced');
  });

  it('still fails the address when no message matches (mail sent by another system)', () => {
    const decision = run(event, null);
    expect(decision.message).toBeNull();
    expect(decision.address?.next.state).toBe('failed');
    expect(decision.reason).toMatch(/No message of ours matches/);
  });
});

describe('email soft bounce', () => {
  const soft = makeEvent({ kind: 'soft_bounce', rawCode: '452 4.2.2', rawText: 'mailbox full', severity: 'transient' });

  it('defers the message with the first retry 15 minutes out, and marks the address soft-bouncing', () => {
    const decision = run(soft);
    expect(decision.message?.status).toBe('deferred');
    expect(decision.message?.nextAttemptAt).toBe(NOW + 15 * 60_000);
    expect(decision.address?.next.state).toBe('soft_bouncing');
    expect(decision.address?.next.softBounceCount).toBe(1);
    expect(decision.reason).toMatch(/attempt 2 scheduled/);
  });

  it('doubles the delay with each attempt, up to 6 hours', () => {
    expect(run(soft, sent({ attempts: 3 })).message?.nextAttemptAt).toBe(NOW + 60 * 60_000);
    expect(run(soft, sent({ attempts: 9 })).message?.nextAttemptAt).toBe(NOW + 6 * HOUR);
  });

  it('fails the message as "retries exhausted" once the 72 h window is spent', () => {
    const decision = run(soft, sent({ attempts: 12, firstAttemptAt: NOW - 70 * HOUR }));
    expect(decision.message?.status).toBe('failed');
    expect(decision.message?.lastError).toMatch(/^Retries exhausted after 12 attempts over 72 h/);
    expect(decision.address?.next.exhaustedStreak).toBe(1);
    expect(decision.address?.next.state).toBe('soft_bouncing');
  });

  it('escalates the address to failed when the third message in a row exhausts its retries', () => {
    const decision = run(soft, sent({ attempts: 12, firstAttemptAt: NOW - 70 * HOUR }), address({ state: 'soft_bouncing', exhaustedStreak: 2 }));
    expect(decision.address?.next.state).toBe('failed');
    expect(decision.address?.next.reason).toMatch(/3 messages in a row ran out of retries/);
  });

  it('does not escalate when escalation is off', () => {
    const policy: DecisionPolicy = { ...DEFAULT_DECISION_POLICY, escalation: { mode: 'off' } };
    const decision = run(soft, sent({ attempts: 12, firstAttemptAt: NOW - 70 * HOUR }), address({ state: 'soft_bouncing', exhaustedStreak: 5 }), policy);
    expect(decision.address?.next.state).toBe('soft_bouncing');
  });

  it('escalates by score in score mode, and forgets the score after quiet days', () => {
    const policy: DecisionPolicy = { ...DEFAULT_DECISION_POLICY, escalation: { mode: 'score', softBounce: 1, threshold: 4, resetAfterDays: 30 } };
    const recent = address({ state: 'soft_bouncing', bounceScore: 3, lastSoftBounceAt: soft.occurredAt - 2 * 24 * HOUR });
    expect(run(soft, sent(), recent, policy).address?.next.state).toBe('failed');
    const old = address({ state: 'soft_bouncing', bounceScore: 3, lastSoftBounceAt: soft.occurredAt - 40 * 24 * HOUR });
    const decision = run(soft, sent(), old, policy);
    expect(decision.address?.next.bounceScore).toBe(1);
    expect(decision.address?.next.state).toBe('soft_bouncing');
  });

  it('ignores a soft bounce for an earlier attempt once a later one is under way', () => {
    const decision = run({ ...soft, attempt: 1 }, sent({ attempts: 2 }));
    expect(decision.message).toBeNull();
    expect(decision.reason).toMatch(/attempt 2 is already under way/);
  });

  it('does not reschedule a message that is already deferred', () => {
    const decision = run(soft, sent({ status: 'deferred', nextAttemptAt: NOW + 1000 }));
    expect(decision.message).toBeNull();
  });
});

describe('provider deferral (the provider is still retrying)', () => {
  it('is logged and changes nothing: re-sending now would reach the student twice', () => {
    const decision = run(makeEvent({ kind: 'delivery_delayed', rawText: 'greylisted' }));
    expect(decision.outcome).toBe('no_change');
    expect(decision.message).toBeNull();
    expect(decision.address).toBeNull();
    expect(decision.reason).toMatch(/Not re-sent: the provider still holds the message/);
  });
});

describe('delivery', () => {
  it('marks the message delivered and clears a soft-bounce streak', () => {
    const decision = run(makeEvent({ kind: 'delivered' }), sent({ status: 'deferred', nextAttemptAt: NOW + 1000 }), address({ state: 'soft_bouncing', softBounceCount: 2, exhaustedStreak: 2, lastSoftBounceAt: NOW - HOUR }));
    expect(decision.message?.status).toBe('delivered');
    expect(decision.message?.nextAttemptAt).toBeNull();
    expect(decision.address?.next).toMatchObject({ state: 'active', softBounceCount: 0, exhaustedStreak: 0 });
    expect(decision.contact?.status).toBe('active');
  });

  it('does not clear a failed address (a late delivery is not a reactivation)', () => {
    const decision = run(makeEvent({ kind: 'delivered' }), sent(), address({ state: 'failed' }));
    expect(decision.address?.next.state ?? 'failed').toBe('failed');
    expect(decision.contact).toBeNull();
  });

  it('is not undone by a late "sent"', () => {
    const decision = run(makeEvent({ kind: 'accepted' }), sent({ status: 'delivered' }));
    expect(decision.message).toBeNull();
    expect(decision.reason).toMatch(/already delivered/);
  });
});

describe('complaints and unsubscribes', () => {
  it('suppresses the address as complained, not as a bounce', () => {
    const decision = run(makeEvent({ kind: 'complaint' }), sent({ status: 'delivered' }));
    expect(decision.message?.status).toBe('complained');
    expect(decision.address?.next.state).toBe('complained');
  });

  it('suppresses as unsubscribed and leaves the message delivered', () => {
    const decision = run(makeEvent({ kind: 'unsubscribe' }), sent({ status: 'delivered' }));
    expect(decision.message).toBeNull();
    expect(decision.address?.next.state).toBe('unsubscribed');
  });
});

describe('provider drops', () => {
  it('marks the message dropped and the address failed when the provider knows it bounced', () => {
    const decision = run(makeEvent({ kind: 'dropped', dropReason: 'bounced', rawText: 'Bounced Address' }));
    expect(decision.message?.status).toBe('dropped');
    expect(decision.address?.next.state).toBe('failed');
  });

  it('leaves the address alone when the drop is about the content', () => {
    const decision = run(makeEvent({ kind: 'dropped', dropReason: 'other', rawText: 'Spam Content' }));
    expect(decision.message?.status).toBe('dropped');
    expect(decision.address).toBeNull();
  });
});

describe('SMS', () => {
  const sms = { channel: 'sms' as const, provider: 'twilio' as const, address: '+447700900123' };

  it('a permanent error fails the message and the number', () => {
    const decision = run(makeEvent({ ...sms, kind: 'hard_bounce', rawCode: '30005', rawText: 'Unknown destination handset' }));
    expect(decision.message?.status).toBe('failed');
    expect(decision.message?.lastError).toBe('30005 Unknown destination handset');
    expect(decision.address?.next.state).toBe('failed');
    expect(decision.address?.next.reason).toMatch(/Permanent SMS error from Twilio: 30005/);
  });

  it('an opt-out marks the number opted out', () => {
    const decision = run(makeEvent({ ...sms, kind: 'opt_out', rawCode: '21610' }));
    expect(decision.message?.status).toBe('failed');
    expect(decision.address?.next.state).toBe('opted_out');
  });

  it('a transient error is retried like a soft bounce', () => {
    const decision = run(makeEvent({ ...sms, kind: 'soft_bounce', rawCode: '30003' }));
    expect(decision.message?.status).toBe('deferred');
    expect(decision.address?.next.state).toBe('soft_bouncing');
  });

  it('a content or sender error fails the message and leaves the number alone', () => {
    const decision = run(makeEvent({ ...sms, kind: 'failed', rawCode: '30007', rawText: 'Message filtered' }));
    expect(decision.message?.status).toBe('failed');
    expect(decision.address).toBeNull();
    expect(decision.reason).toMatch(/not the number's fault/);
  });
});

describe('reactivation', () => {
  it('ignores events older than the reactivation', () => {
    const reactivatedAt = Date.UTC(2026, 10, 2);
    const decision = run(makeEvent({ kind: 'hard_bounce', occurredAt: reactivatedAt - 1000 }), null, address({ reactivatedAt }));
    expect(decision.address).toBeNull();
    expect(decision.reason).toMatch(/before the address was reactivated/);
  });

  it('applies newer ones', () => {
    const reactivatedAt = Date.UTC(2026, 10, 2);
    const decision = run(makeEvent({ kind: 'hard_bounce', occurredAt: reactivatedAt + 1000 }), null, address({ reactivatedAt }));
    expect(decision.address?.next.state).toBe('failed');
  });
});

describe('ignored events', () => {
  it('changes nothing', () => {
    const decision = run(makeEvent({ kind: 'ignored', rawType: 'open' }));
    expect(decision).toMatchObject({ outcome: 'no_change', message: null, contact: null });
  });
});

describe('reasons', () => {
  it('do not double the full stop when the provider text ends with one', () => {
    const decision = run(makeEvent({ kind: 'hard_bounce', rawCode: '550 5.1.1', rawText: 'The account does not exist.' }));
    expect(decision.address?.next.reason).toBe('Hard bounce from SendGrid: 550 5.1.1 The account does not exist.');
    expect(decision.reason).not.toMatch(/\.\./);
  });
});

describe('an unconfirmed hand-off (no answer after the request left)', () => {
  const unconfirmed = sent({ nextAttemptAt: NOW + 30 * 60_000, lastError: 'No answer after the hand-off (ETIMEDOUT)' });

  it.each(['accepted', 'delivery_delayed'] as const)('a "%s" report about the current attempt confirms it: no re-send is owed', (kind) => {
    expect(run(makeEvent({ kind, attempt: 1 }), unconfirmed).message).toMatchObject({ status: 'sent', nextAttemptAt: null });
  });

  it('a report about an earlier attempt confirms nothing', () => {
    expect(run(makeEvent({ kind: 'accepted', attempt: 1 }), { ...unconfirmed, attempts: 2 }).message).toBeNull();
  });

  it('a delivery finishes it as usual', () => {
    expect(run(makeEvent({ kind: 'delivered', attempt: 1 }), unconfirmed).message).toMatchObject({ status: 'delivered', nextAttemptAt: null });
  });

  it('a confirmed message is not confirmed again', () => {
    expect(run(makeEvent({ kind: 'accepted', attempt: 1 }), sent()).message).toBeNull();
  });
});

describe('a block about the sender', () => {
  const block = makeEvent({ kind: 'sender_block', rawCode: '5.7.708', rawText: 'Access denied, traffic not accepted from this IP', severity: 'transient' });

  it('defers the message on the retry schedule and leaves the address exactly as it was', () => {
    const decision = run(block, sent(), address({ state: 'active', softBounceCount: 0 }));
    expect(decision.message?.status).toBe('deferred');
    expect(decision.message?.nextAttemptAt).toBe(NOW + 15 * 60_000);
    expect(decision.address).toBeNull();
    expect(decision.contact).toBeNull();
    expect(decision.reason).toMatch(/refused the sender, not the mailbox.*left as it is/);
  });

  it('fails the message, not the address, when the window runs out (and does not count towards a streak)', () => {
    const late = sent({ attempts: 9, firstAttemptAt: NOW - 80 * HOUR });
    const decision = run(block, late, address({ exhaustedStreak: 2 }));
    expect(decision.message?.status).toBe('failed');
    expect(decision.message?.reasonData).toEqual([{ code: 'message.exhausted' }]);
    expect(decision.address).toBeNull();
  });

  it('follows its own schedule, or fails at once when retries are off', () => {
    const own: DecisionPolicy = { ...DEFAULT_DECISION_POLICY, senderBlocks: { retry: { ...DEFAULT_DECISION_POLICY.retry, initialDelayMinutes: 60, maxDelayMinutes: 60 } } };
    expect(run(block, sent(), null, own).message?.nextAttemptAt).toBe(NOW + 60 * 60_000);
    const off: DecisionPolicy = { ...DEFAULT_DECISION_POLICY, senderBlocks: { retry: false } };
    const decision = run(block, sent(), null, off);
    expect(decision.message?.status).toBe('failed');
    expect(decision.message?.reasonData).toEqual([{ code: 'message.senderBlockNotRetried' }]);
  });

  it('a soft-bouncing address is not moved either way', () => {
    expect(run(block, sent(), address({ state: 'soft_bouncing', softBounceCount: 2 })).address).toBeNull();
  });
});

describe("two strikes at the institution's own domains", () => {
  const DAY = 24 * HOUR;
  const policy: DecisionPolicy = { ...DEFAULT_DECISION_POLICY, twoStrike: { domains: ['college.ac.uk'], windowDays: 14 } };
  const T = Date.UTC(2026, 10, 1, 12, 0, 0);
  const bounceAt = (at: number, addr = 'new.student@college.ac.uk') =>
    makeEvent({ kind: 'hard_bounce', address: addr, rawCode: '5.1.1', rawText: 'no such user', severity: 'permanent', occurredAt: at });

  it('the first hard bounce bounces the message but only records a strike', () => {
    const decision = run(bounceAt(T), sent(), null, policy);
    expect(decision.message?.status).toBe('bounced');
    expect(decision.address?.next.state).toBe('active');
    expect(decision.address?.next.lastStrikeAt).toBe(T);
    expect(decision.reasonData.map((p) => p.code)).toContain('address.firstStrike');
  });

  it('a second within the window fails the address; after the window it is a new first strike', () => {
    const struck = address({ lastStrikeAt: T });
    const second = run(bounceAt(T + 13 * DAY), sent(), struck, policy);
    expect(second.address?.next.state).toBe('failed');
    expect(second.reasonData.map((p) => p.code)).toContain('address.secondStrike');
    const later = run(bounceAt(T + 15 * DAY), sent(), struck, policy);
    expect(later.address?.next.state).toBe('active');
    expect(later.address?.next.lastStrikeAt).toBe(T + 15 * DAY);
  });

  it('subdomains count; other domains fail at once as always', () => {
    expect(run(bounceAt(T, 'a@students.college.ac.uk'), sent(), null, policy).address?.next.state).toBe('active');
    expect(run(bounceAt(T, 'a@notcollege.ac.uk'), sent(), null, policy).address?.next.state).toBe('failed');
    expect(run(bounceAt(T, 'a@gmail.com'), sent(), null, policy).address?.next.state).toBe('failed');
  });

  it('a delivery after the strike forgets it; a strike older than the last delivery is not one', () => {
    const delivered = run(makeEvent({ kind: 'delivered', address: 'new.student@college.ac.uk', occurredAt: T + DAY }), sent(), address({ lastStrikeAt: T }), policy);
    expect(delivered.address?.next.lastStrikeAt).toBeNull();
    const stale = run(bounceAt(T), sent(), address({ lastDeliveredAt: T + DAY }), policy);
    expect(stale.address).toBeNull();
    expect(stale.reasonData.map((p) => p.code)).toContain('address.strikeBeforeDelivery');
  });

  it('a provider drop for a bounced address is a strike too', () => {
    const drop = makeEvent({ kind: 'dropped', dropReason: 'bounced', address: 'new.student@college.ac.uk', occurredAt: T });
    expect(run(drop, sent(), null, policy).address?.next.state).toBe('active');
  });
});

describe('two soft bounces of one attempt around a delivery of another message', () => {
  // Message A bounces at 10:00 and again (the provider's second report) at 10:20; message B to the
  // same mailbox is delivered at 10:10. The latest news is a bounce, whichever report arrives first.
  const at = (minutes: number) => NOW - HOUR + minutes * 60_000;
  const a1 = makeEvent({ kind: 'soft_bounce', correlationId: 'msg-a', providerMessageId: 'msg-a', eventKey: 'a1', occurredAt: at(0), severity: 'transient' });
  const a2 = makeEvent({ kind: 'soft_bounce', correlationId: 'msg-a', providerMessageId: 'msg-a', eventKey: 'a2', occurredAt: at(20), severity: 'transient' });
  const b = makeEvent({ kind: 'delivered', correlationId: 'msg-b', providerMessageId: 'msg-b', eventKey: 'b', occurredAt: at(10) });

  function fold(order: ReturnType<typeof makeEvent>[]) {
    const messages = new Map<string, MessageState>([
      ['msg-a', sent()],
      ['msg-b', sent()],
    ]);
    let ledger: AddressLedgerState = { ...NEW_ADDRESS };
    for (const event of order) {
      const id = event.correlationId!;
      const decision = run(event, messages.get(id)!, ledger);
      if (decision.message) messages.set(id, { ...messages.get(id)!, status: decision.message.status, nextAttemptAt: decision.message.nextAttemptAt });
      if (decision.address) ledger = decision.address.next;
    }
    return ledger;
  }

  it.each([
    ['in time order', [a1, b, a2]],
    ['the later bounce first', [a2, a1, b]],
    ['the delivery first', [b, a1, a2]],
    ['the later bounce, the delivery, the earlier bounce', [a2, b, a1]],
  ])('leaves the address soft-bouncing: %s', (_, order) => {
    const ledger = fold(order);
    expect(ledger.state).toBe('soft_bouncing');
    expect(ledger.lastSoftBounceAt).toBe(at(20));
  });
});
