import { SMS_CODE_MEANINGS } from '../core/events';
import {
  constantTimeEqual,
  correlationFromMessageId,
  pluginMessageId,
  enhancedStatusCode,
  mergeCodeTable,
  parseAttempt,
  parseCorrelationRef,
  parseJson,
  MalformedPayloadError,
  staleTimestampRefusal,
} from './shared';
import { webhookProviders } from './index';
import { WEBHOOK_PROVIDER_NAMES, type VerifyContext } from './types';
import { emptyProviderSettings } from './shared';

describe('providers registry', () => {
  it('has one provider per name, with the right name and channel', () => {
    expect(Object.keys(webhookProviders).sort()).toEqual([...WEBHOOK_PROVIDER_NAMES].sort());
    for (const name of WEBHOOK_PROVIDER_NAMES) expect(webhookProviders[name].name).toBe(name);
    expect(WEBHOOK_PROVIDER_NAMES.map((name) => webhookProviders[name].channel)).toEqual(['email', 'email', 'email', 'email', 'sms', 'sms']);
  });

  it('nothing is configured by empty settings', () => {
    for (const name of WEBHOOK_PROVIDER_NAMES) expect([name, webhookProviders[name].isConfigured(emptyProviderSettings())]).toEqual([name, false]);
  });
});

describe('shared helpers', () => {
  it('constantTimeEqual compares content, whatever the lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual(Buffer.from('x'), 'x')).toBe(true);
  });

  it('parseCorrelationRef reads <id>.<attempt> or <id>', () => {
    expect(parseCorrelationRef('abc.2')).toEqual({ correlationId: 'abc', attempt: 2 });
    expect(parseCorrelationRef('a.b.c.10')).toEqual({ correlationId: 'a.b.c', attempt: 10 });
    expect(parseCorrelationRef('abc.x')).toEqual({ correlationId: 'abc.x', attempt: null });
    expect(parseCorrelationRef('abc')).toEqual({ correlationId: 'abc', attempt: null });
    expect(parseCorrelationRef('.2')).toEqual({ correlationId: '.2', attempt: null });
    expect(parseCorrelationRef('  ')).toEqual({ correlationId: null, attempt: null });
    expect(parseCorrelationRef(undefined)).toEqual({ correlationId: null, attempt: null });
  });

  it('parseAttempt accepts non-negative integers only', () => {
    expect([parseAttempt(2), parseAttempt('3'), parseAttempt(' 4 '), parseAttempt(-1), parseAttempt(1.5), parseAttempt('x'), parseAttempt(null)]).toEqual([
      2,
      3,
      4,
      null,
      null,
      null,
      null,
    ]);
  });

  it('enhancedStatusCode finds RFC 3463 codes, not IP addresses or longer numbers', () => {
    expect(enhancedStatusCode('550 5.1.1 The email account')).toBe('5.1.1');
    expect(enhancedStatusCode('smtp;452 4.2.2 over quota')).toBe('4.2.2');
    expect(enhancedStatusCode('Client host [198.51.100.10] blocked')).toBeNull();
    expect(enhancedStatusCode('status 5.1.10')).toBe('5.1.10');
    expect(enhancedStatusCode('version 5.1.1.2')).toBeNull();
    expect(enhancedStatusCode('ends with 5.7.1.')).toBe('5.7.1');
    expect(enhancedStatusCode(null)).toBeNull();
  });

  it('staleTimestampRefusal allows maxAge in the past and five minutes in the future', () => {
    const ctx: VerifyContext = { settings: emptyProviderSettings(), now: 1_000_000_000, maxAgeSeconds: 60, certificateCache: new Map() };
    expect(staleTimestampRefusal(1_000_000 - 60, ctx)).toBeNull();
    expect(staleTimestampRefusal(1_000_000 - 61, ctx)).toMatchObject({ ok: false, status: 401 });
    expect(staleTimestampRefusal(1_000_000 + 300, ctx)).toBeNull();
    expect(staleTimestampRefusal(1_000_000 + 301, ctx)).toMatchObject({ ok: false, status: 401 });
  });

  it('mergeCodeTable keeps valid overrides only, and does not touch the defaults', () => {
    const defaults = Object.freeze({ '1': SMS_CODE_MEANINGS[0] });
    const merged = mergeCodeTable(defaults, { '1': 'transient', ' 2 ': 'opt_out', '3': 'bogus' as never });
    expect(merged).toEqual({ '1': 'transient', '2': 'opt_out' });
    expect(defaults).toEqual({ '1': 'permanent' });
  });

  it('parseJson throws MalformedPayloadError naming the body', () => {
    expect(() => parseJson(Buffer.from('{'), 'Thing body')).toThrow(new MalformedPayloadError('Thing body is not valid JSON'));
  });
});

describe('the plugin Message-ID', () => {
  it('carries the correlation id and attempt, read back with or without brackets, whatever the domain', () => {
    const id = pluginMessageId('k2v9x0abc', 4, 'college.example');
    expect(id).toBe('<dlv.k2v9x0abc.4@college.example>');
    expect(correlationFromMessageId(id)).toEqual({ correlationId: 'k2v9x0abc', attempt: 4 });
    expect(correlationFromMessageId('dlv.k2v9x0abc.4@other.invalid')).toEqual({ correlationId: 'k2v9x0abc', attempt: 4 });
  });

  it("reads nothing from anyone else's Message-ID", () => {
    for (const other of ['<abc@mg.example.com>', '<dlv.k2v9x0abc@college.example>', 'dlv..1@x', '', undefined, null]) {
      expect(correlationFromMessageId(other)).toEqual({ correlationId: null, attempt: null });
    }
  });
});
