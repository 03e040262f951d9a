import * as fs from 'fs';
import * as path from 'path';
import { emptyProviderSettings } from '../shared';
import type { ProviderSettings, VerifyContext, WebhookRequest } from '../types';
import { mailgunProvider } from './index';
import { mailgunSignature } from './verify';

const SHARED = path.resolve(__dirname, '../../../../../shared/providers');
interface MailgunVector {
  webhookSigningKey: string;
  timestamp: string;
  token: string;
  expectedSignatureHex: string;
  secondVector: { key: string; timestamp: string; token: string; expectedSignatureHex: string };
}
const vector = JSON.parse(fs.readFileSync(path.join(SHARED, 'vectors/mailgun_own_vector.json'), 'utf8')) as MailgunVector;
const signedBody = fs.readFileSync(path.join(SHARED, 'payloads/mailgun/failed_permanent_bounce_signed.json'));

function ctx(mailgun: ProviderSettings['mailgun'], nowSeconds = Number(vector.timestamp) + 60): VerifyContext {
  return { settings: { ...emptyProviderSettings(), mailgun }, now: nowSeconds * 1000, maxAgeSeconds: 900, certificateCache: new Map() };
}

function request(body: Buffer | string): WebhookRequest {
  return {
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body),
    headers: { 'content-type': 'application/json' },
    method: 'POST',
    publicUrl: 'https://cms.example.com/api/deliverability/webhooks/mailgun',
    query: {},
  };
}

function bodyWithSignature(signature: Record<string, string>): string {
  const parsed = JSON.parse(signedBody.toString('utf8')) as Record<string, unknown>;
  return JSON.stringify({ ...parsed, signature });
}

const key = { signingKey: vector.webhookSigningKey };

describe('mailgun verify', () => {
  it('computes the published vectors', () => {
    expect(mailgunSignature(vector.webhookSigningKey, vector.timestamp, vector.token)).toBe(vector.expectedSignatureHex);
    const second = vector.secondVector;
    expect(mailgunSignature(second.key, second.timestamp, second.token)).toBe(second.expectedSignatureHex);
  });

  it('accepts the signed sample and returns the token as replay key', async () => {
    await expect(mailgunProvider.verify(request(signedBody), ctx(key))).resolves.toEqual({ ok: true, replayKey: vector.token });
  });

  it('accepts the second vector, and an upper-case hex signature', async () => {
    const second = vector.secondVector;
    const body = bodyWithSignature({ timestamp: second.timestamp, token: second.token, signature: second.expectedSignatureHex.toUpperCase() });
    await expect(mailgunProvider.verify(request(body), ctx({ signingKey: second.key }, Number(second.timestamp)))).resolves.toEqual({
      ok: true,
      replayKey: second.token,
    });
  });

  it('refuses a token, timestamp or signature changed by one character', async () => {
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith('0') ? '1' : '0');
    const variants = [
      { timestamp: vector.timestamp, token: flip(vector.token), signature: vector.expectedSignatureHex },
      { timestamp: String(Number(vector.timestamp) + 1), token: vector.token, signature: vector.expectedSignatureHex },
      { timestamp: vector.timestamp, token: vector.token, signature: flip(vector.expectedSignatureHex) },
    ];
    for (const signature of variants) {
      const result = await mailgunProvider.verify(request(bodyWithSignature(signature)), ctx(key));
      expect(result).toEqual({ ok: false, status: 401, reason: 'Mailgun signature does not match' });
    }
  });

  it('refuses the raw signed body changed by one byte inside the signature', async () => {
    const tampered = Buffer.from(signedBody);
    const at = tampered.indexOf(vector.token) + 3;
    tampered[at] = tampered[at] === 0x61 ? 0x62 : 0x61;
    await expect(mailgunProvider.verify(request(tampered), ctx(key))).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a wrong key', async () => {
    await expect(mailgunProvider.verify(request(signedBody), ctx({ signingKey: 'another-key' }))).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a stale or future timestamp', async () => {
    const ts = Number(vector.timestamp);
    await expect(mailgunProvider.verify(request(signedBody), ctx(key, ts + 901))).resolves.toMatchObject({
      ok: false,
      status: 401,
      reason: expect.stringContaining('older'),
    });
    await expect(mailgunProvider.verify(request(signedBody), ctx(key, ts + 899))).resolves.toMatchObject({ ok: true });
    await expect(mailgunProvider.verify(request(signedBody), ctx(key, ts - 301))).resolves.toMatchObject({
      ok: false,
      reason: expect.stringContaining('future'),
    });
  });

  it('refuses a missing signature', async () => {
    const parsed = JSON.parse(signedBody.toString('utf8')) as Record<string, unknown>;
    delete parsed.signature;
    await expect(mailgunProvider.verify(request(JSON.stringify(parsed)), ctx(key))).resolves.toMatchObject({ ok: false, status: 401 });
    const partial = bodyWithSignature({ timestamp: vector.timestamp, token: vector.token });
    await expect(mailgunProvider.verify(request(partial), ctx(key))).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('answers 400 to a body that is not JSON', async () => {
    await expect(mailgunProvider.verify(request('timestamp=1&token=2'), ctx(key))).resolves.toMatchObject({ ok: false, status: 400 });
  });

  it('never echoes the key', async () => {
    const result = await mailgunProvider.verify(request(signedBody), ctx({ signingKey: 'SUPERSECRET' }));
    expect(JSON.stringify(result)).not.toContain('SUPERSECRET');
  });

  it('refuses when not configured; allowUnsigned skips verification', async () => {
    expect(mailgunProvider.isConfigured({ ...emptyProviderSettings() })).toBe(false);
    expect(mailgunProvider.isConfigured({ ...emptyProviderSettings(), mailgun: key })).toBe(true);
    await expect(mailgunProvider.verify(request(signedBody), ctx({}))).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(mailgunProvider.verify(request('{}'), ctx({ allowUnsigned: true }))).resolves.toEqual({ ok: true });
  });
});
