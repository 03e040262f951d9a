import * as fs from 'fs';
import * as path from 'path';
import { MalformedPayloadError, emptyProviderSettings } from '../shared';
import type { ParseContext, WebhookRequest } from '../types';
import { postmarkProvider } from './index';

const PAYLOADS = path.resolve(__dirname, '../../../../../shared/providers/payloads/postmark');
const NOW = 1_900_000_000_000;
const ctx: ParseContext = { settings: emptyProviderSettings(), now: NOW };

function request(body: string | Buffer): WebhookRequest {
  return {
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body),
    headers: { 'content-type': 'application/json' },
    method: 'POST',
    publicUrl: 'https://cms.example.com/api/deliverability/webhooks/postmark',
    query: {},
  };
}

const readFile = (name: string) => JSON.parse(fs.readFileSync(path.join(PAYLOADS, name), 'utf8')) as Record<string, unknown>;
const parseOne = (body: Record<string, unknown>) => {
  const { events } = postmarkProvider.parse(request(JSON.stringify(body)), ctx);
  expect(events).toHaveLength(1);
  return events[0];
};
const parseFile = (name: string) => postmarkProvider.parse(request(fs.readFileSync(path.join(PAYLOADS, name))), ctx).events;

describe('postmark parse: sample payloads', () => {
  it('HardBounce', () => {
    expect(parseFile('bounce_hard.json')).toEqual([
      {
        provider: 'postmark',
        channel: 'email',
        kind: 'hard_bounce',
        address: 'gone@example.net',
        providerMessageId: '883953f4-6105-42a2-a16a-77a8eac79483',
        correlationId: null,
        attempt: null,
        eventKey: 'postmark:Bounce:4323372036',
        occurredAt: Date.UTC(2025, 9, 9, 14, 32, 5),
        rawType: 'Bounce/HardBounce',
        rawCode: '5.1.1',
        rawText: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
        severity: 'permanent',
      },
    ]);
  });

  it('SoftBounce and Transient are soft bounces', () => {
    expect(parseFile('bounce_soft.json')[0]).toMatchObject({ kind: 'soft_bounce', severity: 'transient', address: 'full@example.com', rawType: 'Bounce/SoftBounce', rawCode: '4.2.2' });
    expect(parseFile('bounce_transient.json')[0]).toMatchObject({ kind: 'soft_bounce', address: 'ana@corp.example', rawType: 'Bounce/Transient', rawCode: '4.4.2', eventKey: 'postmark:Bounce:4323372038' });
  });

  it('SpamComplaint', () => {
    expect(parseFile('spam_complaint.json')[0]).toMatchObject({
      kind: 'complaint',
      address: 'ana@example.com',
      rawType: 'SpamComplaint',
      rawCode: '100001',
      rawText: 'Test spam complaint details',
      eventKey: 'postmark:SpamComplaint:4323372039',
      occurredAt: Date.UTC(2025, 9, 10, 8, 0, 0),
    });
  });

  it('Delivery', () => {
    expect(parseFile('delivery.json')[0]).toMatchObject({
      kind: 'delivered',
      address: 'ana@example.com',
      providerMessageId: '0a129aee-e1cd-480d-b08d-4f48548ff48d',
      rawType: 'Delivery',
      rawCode: '2.0.0',
      eventKey: 'postmark:Delivery:0a129aee-e1cd-480d-b08d-4f48548ff48d:ana@example.com',
      occurredAt: Date.UTC(2025, 9, 9, 14, 32, 1),
    });
  });

  it('SubscriptionChange with SuppressSending is dropped (bounced)', () => {
    expect(parseFile('subscription_change_hard_bounce.json')[0]).toMatchObject({
      kind: 'dropped',
      dropReason: 'bounced',
      address: 'gone@example.net',
      rawType: 'SubscriptionChange/HardBounce',
      rawCode: 'HardBounce',
      occurredAt: Date.UTC(2025, 9, 9, 14, 32, 6),
    });
  });
});

describe('postmark parse: rules', () => {
  it('maps bounce types', () => {
    const bounce = readFile('bounce_hard.json');
    const types = ['HardBounce', 'BadEmailAddress', 'SoftBounce', 'Transient', 'DnsError', 'SpamComplaint', 'Blocked', 'AutoResponder', 'Unknown', 'SomethingNew'];
    expect(types.map((Type) => parseOne({ ...bounce, Type }).kind)).toEqual([
      'hard_bounce',
      'hard_bounce',
      'soft_bounce',
      'soft_bounce',
      'soft_bounce',
      'complaint',
      'sender_block',
      'ignored',
      'ignored',
      'ignored',
    ]);
  });

  it('maps suppression reasons; a reactivation is ignored', () => {
    const change = readFile('subscription_change_hard_bounce.json');
    expect(['HardBounce', 'SpamComplaint', 'ManualSuppression', 'Other'].map((SuppressionReason) => parseOne({ ...change, SuppressionReason }).dropReason)).toEqual([
      'bounced',
      'complained',
      'unsubscribed',
      'other',
    ]);
    const reactivated = parseOne({ ...change, SuppressSending: false, SuppressionReason: null });
    expect(reactivated.kind).toBe('ignored');
    expect(reactivated.dropReason).toBeUndefined();
  });

  it('Open, Click and unknown record types are ignored', () => {
    const open = parseOne({ RecordType: 'Open', MessageID: 'm1', Recipient: 'ana@example.com', ReceivedAt: '2025-10-09T15:00:00Z' });
    expect(open).toMatchObject({ kind: 'ignored', address: 'ana@example.com', occurredAt: Date.UTC(2025, 9, 9, 15), providerMessageId: 'm1' });
    expect(open.eventKey).toMatch(/^postmark:Open:[0-9a-f]{32}$/);
    expect(parseOne({ RecordType: 'Click', Recipient: 'b@example.com' })).toMatchObject({ kind: 'ignored', occurredAt: NOW });
    expect(parseOne({ RecordType: 'Inbound' })).toMatchObject({ kind: 'ignored', address: '' });
  });

  it('reads the plugin metadata', () => {
    const event = parseOne({ ...readFile('delivery.json'), Metadata: { deliverability_id: 'log-5', deliverability_attempt: '1' } });
    expect([event.correlationId, event.attempt]).toEqual(['log-5', 1]);
  });

  it('reads metadata keys whatever their case (nodemailer capitalises X-PM-Metadata-<key> headers)', () => {
    const event = parseOne({ ...readFile('delivery.json'), Metadata: { Deliverability_id: 'log-6', DELIVERABILITY_ATTEMPT: '2' } });
    expect([event.correlationId, event.attempt]).toEqual(['log-6', 2]);
  });
});

describe('postmark parse: malformed bodies', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '<xml/>', /not valid JSON/],
    ['an array', '[{"RecordType":"Delivery"}]', /not a JSON object/],
    ['no RecordType', '{"Email":"a@example.com"}', /no 'RecordType'/],
    ['a bounce without Email', '{"RecordType":"Bounce","Type":"HardBounce","ID":1}', /Postmark Bounce has no 'Email'/],
    ['a delivery without Recipient', '{"RecordType":"Delivery","MessageID":"m"}', /no 'Recipient'/],
  ];
  it.each(cases)('throws MalformedPayloadError for %s', (_label, body, message) => {
    expect(() => postmarkProvider.parse(request(body), ctx)).toThrow(MalformedPayloadError);
    expect(() => postmarkProvider.parse(request(body), ctx)).toThrow(message);
  });
});
