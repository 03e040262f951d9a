/**
 * The intake's pure stages, without a database: deduplication, matching, the batch decision and
 * what it announces. The integration tests run the same stages against a real Strapi.
 */
import { NEW_ADDRESS } from '../core/decide';
import type { NormalizedEvent } from '../core/events';
import { DEFAULT_DECISION_POLICY } from '../core/policy';
import { englishReason } from '../core/reasons';
import type { Row } from '../utils/plugin';
import { announcementsOf, decideBatch, firstOfEachKey, matcherOver, type IntakeResult } from './intake';
import { ledgerKey, type LedgerEntry } from './ledger';

const NOW = Date.parse('2026-11-30T10:00:00Z');
const ADDRESS = 'amira.haddad@bounce.test';

function event(overrides: Partial<NormalizedEvent>): NormalizedEvent {
  return {
    provider: 'sendgrid',
    channel: 'email',
    kind: 'delivered',
    address: ADDRESS,
    providerMessageId: 'sg-1',
    correlationId: null,
    attempt: 1,
    eventKey: 'ev-1',
    occurredAt: NOW - 60_000,
    rawType: 'delivered',
    rawCode: null,
    rawText: null,
    severity: null,
    ...overrides,
  };
}

const logRow: Row = {
  id: 1,
  documentId: 'log-1',
  status: 'sent',
  attempts: 1,
  firstAttemptAt: new Date(NOW - 120_000),
  nextAttemptAt: null,
  lastError: null,
  lastEventAt: null,
  address: ADDRESS,
  provider: 'sendgrid',
  providerMessageId: 'sg-1',
  channel: 'email',
  contactType: null,
  contactDocumentId: null,
  source: 'api',
  sourceName: null,
};

const emptyResult = (): IntakeResult => ({ received: 0, duplicates: 0, applied: 0, unchanged: 0, unmatched: 0, ignored: 0 });

/** One batch over one sent message and its (clean) address. */
function runBatch(events: NormalizedEvent[]) {
  const matcher = matcherOver(new Map([[logRow.documentId, logRow]]), new Map([['sendgrid:sg-1', logRow.documentId]]));
  const logs: Parameters<typeof decideBatch>[0]['logs'] = new Map([
    [
      logRow.documentId,
      {
        row: logRow,
        state: { status: 'sent', attempts: 1, firstAttemptAt: NOW - 120_000, nextAttemptAt: null, lastError: null },
        changed: false,
        reason: null,
        reasonData: null,
        lastEventAt: null,
      },
    ],
  ]);
  const entry: LedgerEntry = { id: 7, channel: 'email', address: ADDRESS, state: { ...NEW_ADDRESS } };
  const entries = new Map([[ledgerKey('email', ADDRESS), entry]]);
  return decideBatch({ events, matcher, logs, entries, policy: DEFAULT_DECISION_POLICY, now: NOW, result: emptyResult() });
}

const hardBounce = event({ kind: 'hard_bounce', eventKey: 'ev-2', occurredAt: NOW - 30_000, rawType: 'bounce', rawCode: '550 5.1.1', rawText: 'No such user', severity: 'permanent' });
const delivered = event({});

describe('firstOfEachKey', () => {
  it('keeps the first event of each key, in arrival order', () => {
    const copy = { ...delivered, rawText: 'a later copy' };
    expect(firstOfEachKey([delivered, hardBounce, copy])).toEqual([delivered, hardBounce]);
  });
});

describe('matcherOver', () => {
  const matcher = matcherOver(new Map([[logRow.documentId, logRow]]), new Map([['sendgrid:sg-1', logRow.documentId]]));

  it('finds the message by correlation id, then by provider message id', () => {
    expect(matcher.logFor(event({ correlationId: 'log-1', providerMessageId: null }))?.documentId).toBe('log-1');
    expect(matcher.logFor(event({}))?.documentId).toBe('log-1');
    expect(matcher.logFor(event({ providerMessageId: 'sg-unknown' }))).toBeNull();
  });

  it('leaves to their own address the events of another recipient of the same provider message', () => {
    const colleague = event({ address: 'Tutor@Example.AC.UK' });
    expect(matcher.logFor(colleague)).toBeNull();
    expect(matcher.addressOf(colleague)).toBe('tutor@example.ac.uk');
  });
});

describe('decideBatch', () => {
  it('decides in the order things happened, whatever the order of arrival', () => {
    const inOrder = runBatch([delivered, hardBounce]);
    const reversed = runBatch([hardBounce, delivered]);
    expect(reversed.logs.get('log-1')?.state).toEqual(inOrder.logs.get('log-1')?.state);
    expect(reversed.ledgerWrites.map((w) => w.next.state)).toEqual(['failed']);
    expect(reversed.eventRows.map((r) => r.eventKey)).toEqual(['ev-1', 'ev-2']);
  });

  it('stores each event reason as codes beside the English text they render to', () => {
    const effects = runBatch([hardBounce]);
    const [row] = effects.eventRows;
    expect(row.reason).toBe(englishReason(row.reasonData as Parameters<typeof englishReason>[0]));
    expect((row.reasonData as { code: string }[]).map((p) => p.code)).toEqual(['event.hard_bounce.email', 'message.status', 'address.marked.email']);
    const log = effects.logs.get('log-1');
    expect(log?.reasonData).toEqual([{ code: 'message.status', params: { status: 'bounced' } }]);
    expect(log?.reason).toBe('Message bounced.');
  });

  it('counts an event with no message and no readable address as unmatched, with its reason', () => {
    const lost = event({ address: 'not an address', providerMessageId: 'sg-unknown', eventKey: 'ev-3' });
    const effects = runBatch([lost]);
    expect(effects.result.unmatched).toBe(1);
    expect(effects.eventRows[0]).toMatchObject({ outcome: 'unmatched', reasonData: [{ code: 'intake.noAddress' }] });
  });
});

describe('announcementsOf', () => {
  it('announces the newly suppressed address and the bounced message', () => {
    const announced = announcementsOf(runBatch([hardBounce]), new Map());
    expect(announced.map((a) => a.event)).toEqual(['deliverability.address.suppressed', 'deliverability.message.failed']);
  });
});
