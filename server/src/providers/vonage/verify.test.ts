import { createHash, createHmac } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { emptyProviderSettings } from '../shared';
import type { ProviderSettings, VerifyContext, VonageSignatureMethod, WebhookRequest } from '../types';
import { vonageProvider } from './index';
import { vonageSignature, vonageStringToSign } from './verify';

const SHARED = path.resolve(__dirname, '../../../../../shared/providers');
interface VonageVector {
  signatureSecret: string;
  params: Record<string, string>;
  stringToSign: string;
  md5hash: string;
  hmacMd5: string;
  hmacSha1: string;
  hmacSha256: string;
  hmacSha512: string;
}
const vector = JSON.parse(fs.readFileSync(path.join(SHARED, 'vectors/vonage_own_vector.json'), 'utf8')) as VonageVector;
const signedJson = fs.readFileSync(path.join(SHARED, 'payloads/vonage/dlr_failed_err3_signed_hmac_sha256.json'));
const SIGNED_AT = Number(vector.params.timestamp);
const secret = vector.signatureSecret;

const METHOD_VECTORS: Array<[VonageSignatureMethod, string]> = [
  ['md5hash', vector.md5hash],
  ['md5', vector.hmacMd5],
  ['sha1', vector.hmacSha1],
  ['sha256', vector.hmacSha256],
  ['sha512', vector.hmacSha512],
];

function ctx(vonage: ProviderSettings['vonage'], nowSeconds = SIGNED_AT + 60): VerifyContext {
  return { settings: { ...emptyProviderSettings(), vonage }, now: nowSeconds * 1000, maxAgeSeconds: 900, certificateCache: new Map() };
}

function jsonRequest(params: Record<string, string> | Buffer): WebhookRequest {
  const rawBody = Buffer.isBuffer(params) ? params : Buffer.from(JSON.stringify(params));
  return { rawBody, headers: { 'content-type': 'application/json' }, method: 'POST', publicUrl: 'https://cms.example.com/dlr', query: {} };
}
function getRequest(params: Record<string, string>): WebhookRequest {
  const qs = new URLSearchParams(params).toString();
  return { rawBody: Buffer.alloc(0), headers: {}, method: 'GET', publicUrl: `https://cms.example.com/dlr?${qs}`, query: { ...params } };
}
function formRequest(params: Record<string, string>): WebhookRequest {
  const body = new URLSearchParams(params).toString();
  return { rawBody: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded' }, method: 'POST', publicUrl: 'https://cms.example.com/dlr', query: {} };
}

describe('vonage verify', () => {
  it('builds the published string to sign and every published signature', () => {
    const params = new Map(Object.entries(vector.params));
    expect(vonageStringToSign(params)).toBe(vector.stringToSign);
    for (const [method, expected] of METHOD_VECTORS) expect([method, vonageSignature(params, secret, method)]).toEqual([method, expected]);
  });

  it('accepts the signed sample (HMAC-SHA256, JSON body)', async () => {
    await expect(vonageProvider.verify(jsonRequest(signedJson), ctx({ signatureSecret: secret, signatureMethod: 'sha256' }))).resolves.toEqual({ ok: true });
  });

  it.each(METHOD_VECTORS)('accepts the vector for method %s, by JSON, form and GET', async (method, sig) => {
    const settings = { signatureSecret: secret, signatureMethod: method };
    const params = { ...vector.params, sig };
    await expect(vonageProvider.verify(jsonRequest(params), ctx(settings))).resolves.toEqual({ ok: true });
    await expect(vonageProvider.verify(formRequest(params), ctx(settings))).resolves.toEqual({ ok: true });
    await expect(vonageProvider.verify(getRequest(params), ctx(settings))).resolves.toEqual({ ok: true });
    await expect(vonageProvider.verify(getRequest({ ...params, sig: sig.toUpperCase() }), ctx(settings))).resolves.toEqual({ ok: true });
  });

  it('defaults to md5hash', async () => {
    await expect(vonageProvider.verify(jsonRequest({ ...vector.params, sig: vector.md5hash }), ctx({ signatureSecret: secret }))).resolves.toEqual({ ok: true });
    await expect(vonageProvider.verify(jsonRequest({ ...vector.params, sig: vector.hmacSha256 }), ctx({ signatureSecret: secret }))).resolves.toMatchObject({ ok: false });
  });

  it('replaces & and = in values (checked against a hand-built string)', async () => {
    const params = { 'client-ref': 'a&b=c', msisdn: '447700900123', timestamp: String(SIGNED_AT) };
    const handBuilt = `&client-ref=a_b_c&msisdn=447700900123&timestamp=${SIGNED_AT}`;
    expect(vonageStringToSign(new Map(Object.entries(params)))).toBe(handBuilt);
    const md5 = createHash('md5').update(handBuilt + secret).digest('hex');
    const sha1 = createHmac('sha1', secret).update(handBuilt).digest('hex');
    await expect(vonageProvider.verify(jsonRequest({ ...params, sig: md5 }), ctx({ signatureSecret: secret, signatureMethod: 'md5hash' }))).resolves.toEqual({ ok: true });
    await expect(vonageProvider.verify(formRequest({ ...params, sig: sha1 }), ctx({ signatureSecret: secret, signatureMethod: 'sha1' }))).resolves.toEqual({ ok: true });
  });

  it('refuses the signed body changed by one byte', async () => {
    const tampered = Buffer.from(signedJson.toString('utf8').replace('"err-code": "3"', '"err-code": "4"'));
    expect(tampered.equals(signedJson)).toBe(false);
    await expect(vonageProvider.verify(jsonRequest(tampered), ctx({ signatureSecret: secret, signatureMethod: 'sha256' }))).resolves.toEqual({
      ok: false,
      status: 401,
      reason: 'Vonage signature does not match',
    });
  });

  it('refuses an added parameter', async () => {
    const params = { ...vector.params, extra: '1', sig: vector.hmacSha256 };
    await expect(vonageProvider.verify(jsonRequest(params), ctx({ signatureSecret: secret, signatureMethod: 'sha256' }))).resolves.toMatchObject({ ok: false });
  });

  it('refuses a wrong secret or the wrong method', async () => {
    await expect(vonageProvider.verify(jsonRequest(signedJson), ctx({ signatureSecret: `${secret}x`, signatureMethod: 'sha256' }))).resolves.toMatchObject({ ok: false, status: 401 });
    await expect(vonageProvider.verify(jsonRequest(signedJson), ctx({ signatureSecret: secret, signatureMethod: 'sha512' }))).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a stale or future signed timestamp', async () => {
    const settings = { signatureSecret: secret, signatureMethod: 'sha256' as const };
    await expect(vonageProvider.verify(jsonRequest(signedJson), ctx(settings, SIGNED_AT + 901))).resolves.toMatchObject({ ok: false, reason: expect.stringContaining('older') });
    await expect(vonageProvider.verify(jsonRequest(signedJson), ctx(settings, SIGNED_AT + 899))).resolves.toEqual({ ok: true });
    await expect(vonageProvider.verify(jsonRequest(signedJson), ctx(settings, SIGNED_AT - 301))).resolves.toMatchObject({ ok: false, reason: expect.stringContaining('future') });
  });

  it('refuses a missing sig or timestamp', async () => {
    const settings = { signatureSecret: secret, signatureMethod: 'sha256' as const };
    await expect(vonageProvider.verify(jsonRequest({ ...vector.params }), ctx(settings))).resolves.toMatchObject({ ok: false, status: 401 });
    const { timestamp: _ts, ...noTimestamp } = vector.params;
    const sig = vonageSignature(new Map(Object.entries(noTimestamp)), secret, 'sha256');
    await expect(vonageProvider.verify(jsonRequest({ ...noTimestamp, sig }), ctx(settings))).resolves.toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('timestamp') });
  });

  it('answers 400 to a body it cannot read', async () => {
    await expect(vonageProvider.verify(jsonRequest(Buffer.from('{"msisdn":')), ctx({ signatureSecret: secret }))).resolves.toMatchObject({ ok: false, status: 400 });
  });

  it('refuses when not configured; allowUnsigned skips verification', async () => {
    expect(vonageProvider.isConfigured(emptyProviderSettings())).toBe(false);
    expect(vonageProvider.isConfigured({ ...emptyProviderSettings(), vonage: { signatureSecret: secret } })).toBe(true);
    await expect(vonageProvider.verify(jsonRequest(signedJson), ctx({}))).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(vonageProvider.verify(jsonRequest({ msisdn: '1' }), ctx({ allowUnsigned: true }))).resolves.toEqual({ ok: true });
  });
});
