import * as fs from 'fs';
import * as path from 'path';
import { MalformedPayloadError, emptyProviderSettings } from '../shared';
import type { ParseContext, WebhookRequest } from '../types';
import { sendgridProvider } from './index';

const PAYLOADS = path.resolve(__dirname, '../../../../../shared/providers/payloads/sendgrid');
const NOW = 1_900_000_000_000;
const ctx: ParseContext = { settings: emptyProviderSettings(), now: NOW };

function request(body: string | Buffer): WebhookRequest {
  return {
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body),
    headers: { 'content-type': 'application/json' },
    method: 'POST',
    publicUrl: 'https://cms.example.com/api/deliverability/webhooks/sendgrid',
    query: {},
  };
}

const parseFile = (name: string) => sendgridProvider.parse(request(fs.readFileSync(path.join(PAYLOADS, name))), ctx).events;
const parseEvents = (events: unknown[]) => sendgridProvider.parse(request(JSON.stringify(events)), ctx).events;

describe('sendgrid parse: sample payloads', () => {
  it('delivered', () => {
    expect(parseFile('delivered.json')).toEqual([
      {
        provider: 'sendgrid',
        channel: 'email',
        kind: 'delivered',
        address: 'ana@example.com',
        providerMessageId: 'Pq7rStUvWx',
        correlationId: null,
        attempt: null,
        eventKey: 'sendgrid:ZGVsaXZlcmVkLTAtNDI0MjQyNDI0Mg',
        occurredAt: 1760000300000,
        rawType: 'delivered',
        rawCode: '2.0.0',
        rawText: '250 2.0.0 OK  1760000300 d75a77b69052e-4e8a1f2b3c4si.42 - gsmtp',
        severity: null,
      },
    ]);
  });

  it('deferred is delivery_delayed (SendGrid still retrying), and its own `attempt` is not ours', () => {
    const [event] = parseFile('deferred.json');
    expect(event).toMatchObject({
      kind: 'delivery_delayed',
      severity: 'transient',
      address: 'ana@example.com',
      rawType: 'deferred',
      rawCode: '4.7.650',
      attempt: null,
      eventKey: 'sendgrid:ZGVmZXJyZWQtMi00MjQyNDI0MjQz',
      occurredAt: 1760000360000,
    });
    expect(event.rawText).toMatch(/^451 4\.7\.650 The mail server/);
  });

  it('bounce/bounce is a hard bounce', () => {
    expect(parseFile('bounce_hard.json')).toEqual([
      expect.objectContaining({
        kind: 'hard_bounce',
        severity: 'permanent',
        address: 'ghost@example.org',
        rawType: 'bounce/bounce',
        rawCode: '5.1.1',
        rawText: '550 5.1.1 The email account that you tried to reach does not exist.',
        providerMessageId: 'Pq7rStUvWx',
        eventKey: 'sendgrid:Ym91bmNlLTAtNDI0MjQyNDI0NA',
      }),
    ]);
  });

  it('bounce/blocked classified Reputation is a refusal of the sender, not of the address', () => {
    const [event] = parseFile('bounce_blocked_soft.json');
    expect(event).toMatchObject({
      kind: 'sender_block',
      severity: 'transient',
      address: 'ana@corp.example',
      rawType: 'bounce/blocked',
      rawCode: '5.7.1',
    });
    expect(event.dropReason).toBeUndefined();
  });

  it('bounce/blocked without a sender classification (a full mailbox) stays a soft bounce', () => {
    const [sample] = JSON.parse(fs.readFileSync(path.join(PAYLOADS, 'bounce_blocked_soft.json'), 'utf8')) as Record<string, unknown>[];
    const [event] = parseEvents([{ ...sample, bounce_classification: 'Mailbox Unavailable', status: '4.2.2', reason: '452 4.2.2 Mailbox full' }]);
    expect(event).toMatchObject({ kind: 'soft_bounce', rawCode: '4.2.2' });
  });

  it('bounce/bounce classified Reputation is a refusal of the sender', () => {
    const [sample] = JSON.parse(fs.readFileSync(path.join(PAYLOADS, 'bounce_hard.json'), 'utf8')) as Record<string, unknown>[];
    expect(parseEvents([{ ...sample, bounce_classification: 'Reputation' }])[0].kind).toBe('sender_block');
  });

  it('dropped carries the drop reason', () => {
    expect(parseFile('dropped.json')).toEqual([
      expect.objectContaining({
        kind: 'dropped',
        dropReason: 'bounced',
        address: 'ghost@example.org',
        rawType: 'dropped',
        rawCode: '5.0.0',
        rawText: 'Bounced Address',
        eventKey: 'sendgrid:ZHJvcHBlZC0wLTQyNDI0MjQyNDY',
      }),
    ]);
  });

  it('spamreport is a complaint', () => {
    expect(parseFile('spamreport.json')).toEqual([
      expect.objectContaining({ kind: 'complaint', address: 'ana@example.com', rawType: 'spamreport', rawCode: null, rawText: null }),
    ]);
  });

  it('unsubscribe and group_unsubscribe, one event each', () => {
    const events = parseFile('unsubscribe.json');
    expect(events.map((e) => [e.kind, e.address, e.rawType, e.eventKey])).toEqual([
      ['unsubscribe', 'ana@example.com', 'unsubscribe', 'sendgrid:dW5zdWJzY3JpYmUtMC00MjQyNDI0MjQ4'],
      ['unsubscribe', 'bob@example.com', 'group_unsubscribe', 'sendgrid:Z3JvdXBfdW5zdWItMC00MjQyNDI0MjQ5'],
    ]);
  });

  it('the signed raw batch (with \\r\\n separators)', () => {
    const events = parseFile('signed_batch_raw_body.txt');
    expect(events.map((e) => [e.kind, e.address, e.providerMessageId, e.occurredAt])).toEqual([
      ['delivered', 'ana@example.com', 'aB3dEfGhIj', 1760000000000],
      ['hard_bounce', 'ghost@example.org', 'kL4mNoPqRs', 1760000005000],
    ]);
  });
});

describe('sendgrid parse: rules', () => {
  const base = { email: 'a@example.com', timestamp: 1760000000, sg_event_id: 'id-1', sg_message_id: 'MSG.filter-1.2' };

  it('reads the plugin custom args', () => {
    const [a, b, c] = parseEvents([
      { ...base, event: 'delivered', deliverability_id: 'log-77', deliverability_attempt: '2' },
      { ...base, event: 'delivered', deliverability_id: 12, deliverability_attempt: 3 },
      { ...base, event: 'delivered', deliverability_id: '', deliverability_attempt: 'x' },
    ]);
    expect([a.correlationId, a.attempt]).toEqual(['log-77', 2]);
    expect([b.correlationId, b.attempt]).toEqual(['12', 3]);
    expect([c.correlationId, c.attempt]).toEqual([null, null]);
  });

  it('falls back to the plugin Message-ID in smtp-id when the custom args were lost (SMTP relay without X-SMTPAPI)', () => {
    const [ours, theirs, both] = parseEvents([
      { ...base, event: 'bounce', 'smtp-id': '<dlv.k2v9x0abc.3@college.example>' },
      { ...base, event: 'bounce', 'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>' },
      { ...base, event: 'bounce', 'smtp-id': '<dlv.other.1@college.example>', deliverability_id: 'log-77', deliverability_attempt: '2' },
    ]);
    expect([ours.correlationId, ours.attempt]).toEqual(['k2v9x0abc', 3]);
    expect([theirs.correlationId, theirs.attempt]).toEqual([null, null]);
    expect([both.correlationId, both.attempt]).toEqual(['log-77', 2]);
  });

  it('maps every documented drop reason', () => {
    const reasons = ['Bounced Address', 'Invalid', 'Unsubscribed Address', 'Spam Reporting Address', 'Spam Content', 'Invalid SMTPAPI header', 'constructor'];
    const events = parseEvents(reasons.map((reason, i) => ({ ...base, sg_event_id: `d${i}`, event: 'dropped', reason })));
    expect(events.map((e) => e.dropReason)).toEqual(['bounced', 'invalid', 'unsubscribed', 'complained', 'other', 'other', 'other']);
  });

  it('processed is accepted; open, click, resubscribe and unknown events are ignored', () => {
    const kinds = parseEvents(
      ['processed', 'open', 'click', 'group_resubscribe', 'brand_new_event'].map((event, i) => ({ ...base, sg_event_id: `e${i}`, event })),
    ).map((e) => [e.rawType, e.kind]);
    expect(kinds).toEqual([
      ['processed', 'accepted'],
      ['open', 'ignored'],
      ['click', 'ignored'],
      ['group_resubscribe', 'ignored'],
      ['brand_new_event', 'ignored'],
    ]);
  });

  it('message id is the part before the first dot, null when absent', () => {
    const [withDot, noDot, absent] = parseEvents([
      { ...base, event: 'delivered' },
      { ...base, event: 'delivered', sg_message_id: 'PLAINID' },
      { email: 'a@example.com', event: 'bounce', type: 'bounce', sg_event_id: 'x' },
    ]);
    expect(withDot.providerMessageId).toBe('MSG');
    expect(noDot.providerMessageId).toBe('PLAINID');
    expect(absent.providerMessageId).toBeNull();
    expect(absent.occurredAt).toBe(NOW);
  });

  it('derives a stable event key when sg_event_id is missing', () => {
    const noId = { email: 'a@example.com', timestamp: 1760000000, event: 'delivered', sg_message_id: 'M.1' };
    const [a, b, c] = parseEvents([noId, noId, { ...noId, timestamp: 1760000001 }]);
    expect(a.eventKey).toMatch(/^sendgrid:derived:[0-9a-f]{32}$/);
    expect(b.eventKey).toBe(a.eventKey);
    expect(c.eventKey).not.toBe(a.eventKey);
  });

  it('an empty array is no events', () => {
    expect(parseEvents([])).toEqual([]);
  });
});

describe('sendgrid parse: malformed bodies', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '[{"event":', /not valid JSON/],
    ['an object, not an array', '{"event":"delivered","email":"a@example.com"}', /not a JSON array/],
  ];
  it.each(cases)('throws MalformedPayloadError for %s', (_label, body, message) => {
    expect(() => sendgridProvider.parse(request(body), ctx)).toThrow(MalformedPayloadError);
    expect(() => sendgridProvider.parse(request(body), ctx)).toThrow(message);
  });
});

describe('sendgrid parse: an unreadable event in a batch does not lose the others', () => {
  // These threw for the whole batch before issue 11: one bad event lost a thousand good ones.
  const good = { event: 'delivered', email: 'a@example.com', sg_event_id: 'good' };
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['an element that is not an object', 42, '[1]', /\[1\] is not an object/],
    ['an event without email', { event: 'delivered' }, '[1]', /\[1\] has no 'email'/],
    ['an event without event name', { email: 'b@example.com' }, '[1]', /\[1\] has no 'event'/],
  ];
  it.each(cases)('keeps %s as unreadable, with its JSON and why', (_label, bad, position, reason) => {
    const result = sendgridProvider.parse(request(JSON.stringify([good, bad])), ctx);
    expect(result.events.map((e) => e.eventKey)).toEqual(['sendgrid:good']);
    expect(result.unreadable).toHaveLength(1);
    const [item] = result.unreadable ?? [];
    expect(item.position).toBe(position);
    expect(item.reason).toMatch(reason);
    expect(JSON.parse(item.raw)).toEqual(bad);
    expect(item.key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a batch of readable events has no unreadable list', () => {
    expect(sendgridProvider.parse(request(JSON.stringify([good])), ctx).unreadable).toBeUndefined();
  });
});
