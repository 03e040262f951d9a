import * as fs from 'fs';
import * as path from 'path';
import type { SmsCodeMeaning } from '../../core/events';
import { MalformedPayloadError, emptyProviderSettings } from '../shared';
import type { ParseContext, WebhookRequest } from '../types';
import { DEFAULT_VONAGE_ERROR_CODES } from './error-codes';
import { vonageProvider } from './index';

const PAYLOADS = path.resolve(__dirname, '../../../../../shared/providers/payloads/vonage');
const NOW = 1_900_000_000_000;

function ctxWith(errorCodes?: Record<string, SmsCodeMeaning>): ParseContext {
  return { settings: { ...emptyProviderSettings(), vonage: { errorCodes } }, now: NOW };
}
const ctx = ctxWith();

function jsonRequest(body: string | Buffer | object): WebhookRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { rawBody, headers: { 'content-type': 'application/json' }, method: 'POST', publicUrl: 'https://cms.example.com/dlr', query: {} };
}

const readJson = (name: string) => JSON.parse(fs.readFileSync(path.join(PAYLOADS, name), 'utf8')) as Record<string, string>;
const parseFile = (name: string) => vonageProvider.parse(jsonRequest(fs.readFileSync(path.join(PAYLOADS, name))), ctx).events;
const parseParams = (params: Record<string, string>, c = ctx) => vonageProvider.parse(jsonRequest(params), c).events[0];

describe('vonage parse: sample payloads', () => {
  const delivered = {
    provider: 'vonage',
    channel: 'sms',
    kind: 'delivered',
    address: '+447700900123',
    providerMessageId: '0C000000A1B2C3D4',
    correlationId: 'contact-1337',
    attempt: null,
    eventKey: 'vonage:0C000000A1B2C3D4:delivered:0',
    occurredAt: Date.UTC(2025, 9, 9, 14, 32, 40),
    rawType: 'delivered',
    rawCode: '0',
    rawText: 'Delivered',
    severity: null,
  };

  it('delivered (POST JSON)', () => {
    expect(parseFile('dlr_delivered.json')).toEqual([delivered]);
  });

  it('delivered (GET query string)', () => {
    const text = fs.readFileSync(path.join(PAYLOADS, 'dlr_delivered_get.txt'), 'utf8');
    const target = text.split('\n')[0].split(' ')[1];
    const query = Object.fromEntries(new URLSearchParams(target.slice(target.indexOf('?') + 1)));
    const req: WebhookRequest = { rawBody: Buffer.alloc(0), headers: {}, method: 'GET', publicUrl: `https://cms.example.com${target}`, query };
    expect(vonageProvider.parse(req, ctx).events).toEqual([delivered]);
  });

  it('delivered (POST form)', () => {
    const body = new URLSearchParams(readJson('dlr_delivered.json')).toString();
    const req: WebhookRequest = { rawBody: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded' }, method: 'POST', publicUrl: 'https://x/', query: {} };
    expect(vonageProvider.parse(req, ctx).events).toEqual([delivered]);
  });

  it('failed with err-code 3 is a hard bounce', () => {
    expect(parseFile('dlr_failed_err3_signed_hmac_sha256.json')[0]).toMatchObject({
      kind: 'hard_bounce',
      severity: 'permanent',
      rawType: 'failed',
      rawCode: '3',
      rawText: 'Absent Subscriber - Permanent',
      eventKey: 'vonage:0C000000A1B2C3D4:failed:3',
      occurredAt: Date.UTC(2025, 9, 9, 14, 33, 5),
    });
  });

  it('expired with err-code 1 (unknown) is a message failure', () => {
    expect(parseFile('dlr_expired.json')[0]).toMatchObject({ kind: 'failed', rawType: 'expired', rawCode: '1', providerMessageId: '0C000000A1B2C3D5' });
  });

  it('rejected with err-code 6 (anti-spam) is a message failure', () => {
    expect(parseFile('dlr_rejected_antispam.json')[0]).toMatchObject({ kind: 'failed', severity: 'permanent', rawType: 'rejected', rawCode: '6', rawText: 'Anti-Spam Rejection' });
  });
});

describe('vonage parse: rules', () => {
  const base = readJson('dlr_failed_err3_signed_hmac_sha256.json');

  it('applies the default code table', () => {
    const expected: Record<string, string> = { permanent: 'hard_bounce', opt_out: 'opt_out', transient: 'soft_bounce', message: 'failed' };
    for (const [code, meaning] of Object.entries(DEFAULT_VONAGE_ERROR_CODES)) {
      expect([code, parseParams({ ...base, 'err-code': code }).kind]).toEqual([code, expected[meaning]]);
    }
    expect(['2', '3', '4', '7', '8', '9', '12', '6', '99', '77'].map((code) => parseParams({ ...base, 'err-code': code }).kind)).toEqual([
      'soft_bounce',
      'hard_bounce',
      'hard_bounce',
      'soft_bounce',
      'soft_bounce',
      'opt_out',
      'hard_bounce',
      'failed',
      'failed',
      'failed',
    ]);
  });

  it('expired without an error code is transient; other failures without one are message failures', () => {
    expect(parseParams({ ...base, status: 'expired', 'err-code': '' })).toMatchObject({ kind: 'soft_bounce', severity: 'transient', rawCode: null });
    expect(parseParams({ ...base, status: 'expired', 'err-code': '0' })).toMatchObject({ kind: 'soft_bounce' });
    const { 'err-code': _omit, ...noCode } = base;
    expect(parseParams({ ...noCode, status: 'expired' }).kind).toBe('soft_bounce');
    expect(parseParams({ ...noCode, status: 'unknown' }).kind).toBe('failed');
  });

  it('maps statuses', () => {
    expect(['accepted', 'buffered', 'delivered', 'rejected', 'something'].map((status) => parseParams({ ...base, status, 'err-code': '0' }).kind)).toEqual([
      'accepted',
      'accepted',
      'delivered',
      'failed',
      'ignored',
    ]);
  });

  it('site overrides', () => {
    const c = ctxWith({ '6': 'permanent', '3': 'transient' });
    expect(parseParams({ ...base, 'err-code': '6' }, c).kind).toBe('hard_bounce');
    expect(parseParams({ ...base, 'err-code': '3' }, c).kind).toBe('soft_bounce');
  });

  it('reads <id>.<attempt> from client-ref', () => {
    expect(parseParams({ ...base, 'client-ref': 'log-5.3' })).toMatchObject({ correlationId: 'log-5', attempt: 3 });
    expect(parseParams({ ...base, 'client-ref': '' })).toMatchObject({ correlationId: null, attempt: null });
  });

  it('falls back to the signed timestamp, then to now', () => {
    const { 'message-timestamp': _omit, ...rest } = base;
    expect(parseParams(rest).occurredAt).toBe(Number(base.timestamp) * 1000);
    const { timestamp: _omit2, ...bare } = rest;
    expect(parseParams(bare).occurredAt).toBe(NOW);
  });
});

describe('vonage parse: malformed bodies', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['invalid JSON', '{"msisdn":', /not valid JSON/],
    ['a JSON array', '[1]', /not a JSON object/],
    ['a nested value', '{"msisdn":{"a":1},"messageId":"m","status":"delivered"}', /'msisdn' is not a plain value/],
    ['no msisdn', '{"messageId":"m","status":"delivered"}', /no 'msisdn'/],
    ['no messageId', '{"msisdn":"447700900123","status":"delivered"}', /no 'messageId'/],
    ['no status', '{"msisdn":"447700900123","messageId":"m"}', /no 'status'/],
  ];
  it.each(cases)('throws MalformedPayloadError for %s', (_label, body, message) => {
    expect(() => vonageProvider.parse(jsonRequest(body), ctx)).toThrow(MalformedPayloadError);
    expect(() => vonageProvider.parse(jsonRequest(body), ctx)).toThrow(message);
  });

  it('an empty GET is malformed too', () => {
    const req: WebhookRequest = { rawBody: Buffer.alloc(0), headers: {}, method: 'GET', publicUrl: 'https://x/', query: {} };
    expect(() => vonageProvider.parse(req, ctx)).toThrow(MalformedPayloadError);
  });
});
