import * as fs from 'fs';
import * as path from 'path';
import { MalformedPayloadError, emptyProviderSettings } from '../shared';
import type { ParseContext, WebhookRequest } from '../types';
import { mailgunProvider } from './index';

const PAYLOADS = path.resolve(__dirname, '../../../../../shared/providers/payloads/mailgun');
const NOW = 1_900_000_000_000;
const ctx: ParseContext = { settings: emptyProviderSettings(), now: NOW };

function request(body: string | Buffer): WebhookRequest {
  return {
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body),
    headers: { 'content-type': 'application/json' },
    method: 'POST',
    publicUrl: 'https://cms.example.com/api/deliverability/webhooks/mailgun',
    query: {},
  };
}

const readFile = (name: string) => JSON.parse(fs.readFileSync(path.join(PAYLOADS, name), 'utf8')) as { 'event-data': Record<string, unknown> };
const parseFile = (name: string) => mailgunProvider.parse(request(fs.readFileSync(path.join(PAYLOADS, name))), ctx).events;
function parseEventData(name: string, patch: Record<string, unknown>) {
  const body = readFile(name);
  return mailgunProvider.parse(request(JSON.stringify({ ...body, 'event-data': { ...body['event-data'], ...patch } })), ctx).events[0];
}

describe('mailgun parse: sample payloads', () => {
  it('delivered', () => {
    expect(parseFile('delivered.json')).toEqual([
      {
        provider: 'mailgun',
        channel: 'email',
        kind: 'delivered',
        address: 'ana@example.com',
        providerMessageId: '20251009143158.ab12cd34ef56@mg.example.com',
        correlationId: null,
        attempt: null,
        eventKey: 'mailgun:ZGVsaXZlcmVkLTE:1760000190.1',
        occurredAt: 1760000190100,
        rawType: 'delivered',
        rawCode: '250',
        rawText: 'OK',
        severity: null,
      },
    ]);
  });

  it('failed/permanent/bounce is a hard bounce', () => {
    expect(parseFile('failed_permanent_bounce_signed.json')).toEqual([
      expect.objectContaining({
        kind: 'hard_bounce',
        severity: 'permanent',
        address: 'gone@example.net',
        rawType: 'failed/permanent/bounce',
        rawCode: '5.1.1',
        rawText: '5.1.1 <gone@example.net>: Recipient address rejected: User unknown',
        eventKey: 'mailgun:Zm9vYmFyLWZhaWxlZC0x:1760000099.812345',
        occurredAt: 1760000099812,
      }),
    ]);
  });

  it('failed/permanent/suppress-bounce is dropped (bounced)', () => {
    const [event] = parseFile('failed_permanent_suppress_bounce.json');
    expect(event).toMatchObject({
      kind: 'dropped',
      dropReason: 'bounced',
      severity: 'permanent',
      rawType: 'failed/permanent/suppress-bounce',
      rawCode: '605',
      rawText: 'Not delivering to previously bounced address',
    });
  });

  it('failed/temporary with retry-seconds: Mailgun is still retrying, so delivery_delayed', () => {
    const [event] = parseFile('failed_temporary.json');
    expect(event).toMatchObject({
      kind: 'delivery_delayed',
      severity: 'transient',
      address: 'ana@corp.example',
      rawType: 'failed/temporary/generic',
      rawCode: '4.7.500',
      rawText: '4.7.500 Server busy. Please try again later.',
      occurredAt: 1760000250500,
    });
  });

  it('complained and unsubscribed', () => {
    expect(parseFile('complained.json')[0]).toMatchObject({ kind: 'complaint', address: 'ana@example.com', rawType: 'complained', rawCode: null });
    expect(parseFile('unsubscribed.json')[0]).toMatchObject({ kind: 'unsubscribe', address: 'ana@example.com', eventKey: 'mailgun:dW5zdWItMQ:1760003700' });
  });
});

describe('mailgun parse: rules', () => {
  it('failed/temporary without retry-seconds is a (final) soft bounce', () => {
    const body = readFile('failed_temporary.json');
    const status = { ...(body['event-data']['delivery-status'] as Record<string, unknown>) };
    delete status['retry-seconds'];
    const event = parseEventData('failed_temporary.json', { 'delivery-status': status });
    expect(event).toMatchObject({ kind: 'soft_bounce', severity: 'transient' });
  });

  it('reason old (retries exhausted) is a soft bounce whatever the severity', () => {
    expect(parseEventData('failed_temporary.json', { reason: 'old' }).kind).toBe('soft_bounce');
    expect(parseEventData('failed_permanent_bounce_signed.json', { reason: 'old' }).kind).toBe('soft_bounce');
  });

  it('maps each suppress- reason', () => {
    const reasons = ['suppress-bounce', 'suppress-complaint', 'suppress-unsubscribe', 'suppress-something-new'];
    expect(reasons.map((reason) => parseEventData('failed_permanent_suppress_bounce.json', { reason }).dropReason)).toEqual([
      'bounced',
      'complained',
      'unsubscribed',
      'other',
    ]);
  });

  it('permanent failure with another reason (delayed bounce) is a hard bounce', () => {
    expect(parseEventData('failed_permanent_bounce_signed.json', { reason: 'generic' })).toMatchObject({ kind: 'hard_bounce' });
  });

  it('accepted is accepted; opened, clicked and unknown events are ignored', () => {
    expect(['accepted', 'opened', 'clicked', 'stored', 'future-event'].map((event) => parseEventData('delivered.json', { event }).kind)).toEqual([
      'accepted',
      'ignored',
      'ignored',
      'ignored',
      'ignored',
    ]);
  });

  it('reads the plugin user-variables', () => {
    const event = parseEventData('delivered.json', { 'user-variables': { deliverability_id: 'log-9', deliverability_attempt: '4' } });
    expect([event.correlationId, event.attempt]).toEqual(['log-9', 4]);
  });

  it('falls back to the plugin Message-ID when the variables were lost', () => {
    const event = parseEventData('delivered.json', { 'user-variables': {}, message: { headers: { 'message-id': 'dlv.k2v9x0abc.2@college.example' } } });
    expect([event.correlationId, event.attempt]).toEqual(['k2v9x0abc', 2]);
    const theirs = parseEventData('delivered.json', { 'user-variables': {}, message: { headers: { 'message-id': '20251009.1@mg.example.com' } } });
    expect([theirs.correlationId, theirs.attempt]).toEqual([null, null]);
  });

  it('strips angle brackets from message-id; falls back to now and a derived key', () => {
    const event = parseEventData('delivered.json', {
      message: { headers: { 'message-id': '<abc@mg.example.com>' } },
      id: undefined,
      timestamp: undefined,
    });
    expect(event.providerMessageId).toBe('abc@mg.example.com');
    expect(event.occurredAt).toBe(NOW);
    expect(event.eventKey).toMatch(/^mailgun:derived:[0-9a-f]{32}$/);
  });
});

describe('mailgun parse: malformed bodies', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', 'event=delivered', /not valid JSON/],
    ['an array', '[]', /not a JSON object/],
    ['no event-data', '{"signature":{}}', /no 'event-data'/],
    ['no event', '{"event-data":{"recipient":"a@example.com"}}', /no 'event'/],
    ['no recipient', '{"event-data":{"event":"delivered"}}', /no 'recipient'/],
  ];
  it.each(cases)('throws MalformedPayloadError for %s', (_label, body, message) => {
    expect(() => mailgunProvider.parse(request(body), ctx)).toThrow(MalformedPayloadError);
    expect(() => mailgunProvider.parse(request(body), ctx)).toThrow(message);
  });
});
