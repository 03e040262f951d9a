import * as fs from 'fs';
import * as path from 'path';
import type { SmsCodeMeaning } from '../../core/events';
import { MalformedPayloadError, emptyProviderSettings } from '../shared';
import type { ParseContext, WebhookRequest } from '../types';
import { DEFAULT_TWILIO_ERROR_CODES, twilioCodeMeaning } from './error-codes';
import { twilioProvider } from './index';

const PAYLOADS = path.resolve(__dirname, '../../../../../shared/providers/payloads/twilio');
const NOW = 1_900_000_000_000;
const SID = 'SM1e2d3c4b5a69788796a5b4c3d2e1f0a9';

function ctxWith(errorCodes?: Record<string, SmsCodeMeaning>): ParseContext {
  return { settings: { ...emptyProviderSettings(), twilio: { authToken: 't', errorCodes } }, now: NOW };
}

function request(body: string, query: Record<string, string> = {}): WebhookRequest {
  return { rawBody: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded' }, method: 'POST', publicUrl: 'https://cms.example.com/x', query };
}

/** The form body of a raw HTTP sample (after the blank line). */
const bodyOf = (name: string) => fs.readFileSync(path.join(PAYLOADS, name), 'utf8').replace(/\r\n/g, '\n').split('\n\n')[1].trim();
const parseFile = (name: string, query: Record<string, string> = {}) => twilioProvider.parse(request(bodyOf(name), query), ctxWith()).events;
const withStatus = (status: string, errorCode?: string) =>
  `MessageSid=${SID}&MessageStatus=${status}&To=%2B15005550123${errorCode === undefined ? '' : `&ErrorCode=${errorCode}`}`;

describe('twilio parse: sample payloads', () => {
  it('delivered', () => {
    expect(parseFile('delivered.txt')).toEqual([
      {
        provider: 'twilio',
        channel: 'sms',
        kind: 'delivered',
        address: '+15005550123',
        providerMessageId: SID,
        correlationId: null,
        attempt: null,
        eventKey: `twilio:${SID}:delivered:`,
        occurredAt: NOW,
        rawType: 'delivered',
        rawCode: null,
        rawText: null,
        severity: null,
      },
    ]);
  });

  it('sent is accepted; WhatsApp read is delivered to the bare number', () => {
    expect(parseFile('sent.txt')[0]).toMatchObject({ kind: 'accepted', rawType: 'sent' });
    expect(parseFile('read_whatsapp.txt')[0]).toMatchObject({ kind: 'delivered', rawType: 'read', address: '+15005550123' });
  });

  it('30005 (unknown handset) is a hard bounce', () => {
    expect(parseFile('undelivered_30005_signed.txt')[0]).toMatchObject({
      kind: 'hard_bounce',
      severity: 'permanent',
      rawType: 'undelivered',
      rawCode: '30005',
      providerMessageId: 'SM5f2a9c0e4b7d41f3a8c6e2d1b0a99e77',
      eventKey: 'twilio:SM5f2a9c0e4b7d41f3a8c6e2d1b0a99e77:undelivered:30005',
    });
  });

  it('30006 (landline) is a hard bounce', () => {
    expect(parseFile('undelivered_30006_landline.txt')[0]).toMatchObject({ kind: 'hard_bounce', rawCode: '30006' });
  });

  it('30003 (unreachable) is a soft bounce', () => {
    expect(parseFile('undelivered_30003_unreachable.txt')[0]).toMatchObject({ kind: 'soft_bounce', severity: 'transient', rawCode: '30003' });
  });

  it('30007 (filtered) and 30001 (queue overflow) are message failures', () => {
    expect(parseFile('undelivered_30007_filtered.txt')[0]).toMatchObject({ kind: 'failed', severity: 'permanent', rawCode: '30007' });
    expect(parseFile('failed_30001_queue_overflow.txt')[0]).toMatchObject({ kind: 'failed', rawType: 'failed', rawCode: '30001', eventKey: `twilio:${SID}:failed:30001` });
  });

  it('reads the correlation from the StatusCallback query (?dlv=<id>.<attempt>)', () => {
    expect(parseFile('delivered.txt', { dlv: 'log-77.2' })[0]).toMatchObject({ correlationId: 'log-77', attempt: 2 });
    expect(parseFile('delivered.txt', { dlv: 'log-77' })[0]).toMatchObject({ correlationId: 'log-77', attempt: null });
  });
});

describe('twilio parse: rules', () => {
  const parse = (body: string, errorCodes?: Record<string, SmsCodeMeaning>) => twilioProvider.parse(request(body), ctxWith(errorCodes)).events[0];

  it('maps statuses', () => {
    const statuses = ['queued', 'sending', 'sent', 'accepted', 'scheduled', 'delivered', 'read', 'canceled', 'receiving', 'brand_new'];
    expect(statuses.map((s) => parse(withStatus(s)).kind)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'delivered',
      'delivered',
      'ignored',
      'ignored',
      'ignored',
    ]);
  });

  it('applies the default code table to failed and undelivered', () => {
    const expected: Record<string, string> = { permanent: 'hard_bounce', opt_out: 'opt_out', transient: 'soft_bounce', message: 'failed' };
    for (const [code, meaning] of Object.entries(DEFAULT_TWILIO_ERROR_CODES)) {
      expect([code, parse(withStatus('failed', code)).kind]).toEqual([code, expected[meaning]]);
      expect([code, parse(withStatus('undelivered', code)).kind]).toEqual([code, expected[meaning]]);
    }
    expect(parse(withStatus('failed', '21610'))).toMatchObject({ kind: 'opt_out', severity: 'permanent' });
  });

  it('unknown and missing codes are message failures', () => {
    expect(parse(withStatus('undelivered', '39999')).kind).toBe('failed');
    expect(parse(withStatus('failed')).kind).toBe('failed');
    expect(parse(withStatus('failed', '')).rawCode).toBeNull();
  });

  it('site overrides replace and extend the table; bad meanings are ignored', () => {
    const overrides = { '30007': 'transient', '39999': 'permanent', '30005': 'nonsense' } as unknown as Record<string, SmsCodeMeaning>;
    expect(parse(withStatus('undelivered', '30007'), overrides).kind).toBe('soft_bounce');
    expect(parse(withStatus('undelivered', '39999'), overrides).kind).toBe('hard_bounce');
    expect(parse(withStatus('undelivered', '30005'), overrides).kind).toBe('hard_bounce');
    expect(twilioCodeMeaning('constructor')).toBe('message');
  });

  it('falls back to SmsSid / SmsStatus', () => {
    expect(parse(`SmsSid=${SID}&SmsStatus=delivered&To=%2B15005550123`)).toMatchObject({ kind: 'delivered', providerMessageId: SID });
  });
});

describe('twilio parse: malformed bodies', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a JSON body', '{"MessageSid":"SM1","MessageStatus":"sent","To":"+1"}', /no 'MessageSid'/],
    ['no MessageSid', 'MessageStatus=sent&To=%2B15005550123', /no 'MessageSid'/],
    ['no MessageStatus', `MessageSid=${SID}&To=%2B15005550123`, /no 'MessageStatus'/],
    ['no To', `MessageSid=${SID}&MessageStatus=sent`, /no 'To'/],
    ['an empty body', '', /no 'MessageSid'/],
  ];
  it.each(cases)('throws MalformedPayloadError for %s', (_label, body, message) => {
    expect(() => twilioProvider.parse(request(body), ctxWith())).toThrow(MalformedPayloadError);
    expect(() => twilioProvider.parse(request(body), ctxWith())).toThrow(message);
  });
});
