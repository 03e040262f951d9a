import { generateKeyPairSync, createPrivateKey, sign } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { emptyProviderSettings } from '../shared';
import type { ProviderSettings, VerifyContext, WebhookRequest } from '../types';
import { sendgridProvider } from './index';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './verify';

const SHARED = path.resolve(__dirname, '../../../../../shared/providers');
interface SendgridVector {
  publicKeyBase64Der: string;
  privateKeyPemTestOnly: string;
  headers: Record<string, string>;
  rawBodyJsonString: string;
}
const vector = JSON.parse(fs.readFileSync(path.join(SHARED, 'vectors/sendgrid_own_vector.json'), 'utf8')) as SendgridVector;
const rawBody = fs.readFileSync(path.join(SHARED, 'payloads/sendgrid/signed_batch_raw_body.txt'));
const vectorTimestamp = vector.headers['X-Twilio-Email-Event-Webhook-Timestamp'];
const vectorSignature = vector.headers['X-Twilio-Email-Event-Webhook-Signature'];

function settings(sendgrid: ProviderSettings['sendgrid']): ProviderSettings {
  return { ...emptyProviderSettings(), sendgrid };
}

function ctx(sendgrid: ProviderSettings['sendgrid'], nowSeconds = Number(vectorTimestamp) + 60): VerifyContext {
  return { settings: settings(sendgrid), now: nowSeconds * 1000, maxAgeSeconds: 86400, certificateCache: new Map() };
}

function request(body: Buffer, headers: Record<string, string | undefined>): WebhookRequest {
  return { rawBody: body, headers, method: 'POST', publicUrl: 'https://cms.example.com/api/deliverability/webhooks/sendgrid', query: {} };
}

function signedHeaders(signature = vectorSignature, timestamp = vectorTimestamp): Record<string, string> {
  return { [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp, 'content-type': 'application/json' };
}

/** Signs with the vector's TEST-ONLY private key, the way SendGrid does. */
function signWithTestKey(timestamp: string, body: Buffer): string {
  const key = createPrivateKey(vector.privateKeyPemTestOnly);
  return sign('sha256', Buffer.concat([Buffer.from(timestamp), body]), { key, dsaEncoding: 'der' }).toString('base64');
}

const key = { publicKey: vector.publicKeyBase64Der };

describe('sendgrid verify', () => {
  it('accepts the signed vector over the raw body bytes', async () => {
    expect(rawBody.toString('utf8')).toBe(vector.rawBodyJsonString);
    await expect(sendgridProvider.verify(request(rawBody, signedHeaders()), ctx(key))).resolves.toEqual({ ok: true });
  });

  it('accepts the key given as a PEM block', async () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${vector.publicKeyBase64Der}\n-----END PUBLIC KEY-----\n`;
    await expect(sendgridProvider.verify(request(rawBody, signedHeaders()), ctx({ publicKey: pem }))).resolves.toEqual({ ok: true });
  });

  it('refuses the same events re-serialised (signature covers the exact bytes)', async () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(rawBody.toString('utf8'))));
    const result = await sendgridProvider.verify(request(reserialised, signedHeaders()), ctx(key));
    expect(result).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a body changed by one byte', async () => {
    const tampered = Buffer.from(rawBody);
    const at = tampered.indexOf('ghost');
    tampered[at] = 'h'.charCodeAt(0);
    const result = await sendgridProvider.verify(request(tampered, signedHeaders()), ctx(key));
    expect(result).toEqual({ ok: false, status: 401, reason: 'SendGrid signature does not match' });
  });

  it('refuses a changed timestamp header (the timestamp is signed)', async () => {
    const result = await sendgridProvider.verify(request(rawBody, signedHeaders(vectorSignature, String(Number(vectorTimestamp) + 1))), ctx(key));
    expect(result).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a wrong key', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const otherDer = other.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const result = await sendgridProvider.verify(request(rawBody, signedHeaders()), ctx({ publicKey: otherDer }));
    expect(result).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses an unreadable key without echoing it', async () => {
    const result = await sendgridProvider.verify(request(rawBody, signedHeaders()), ctx({ publicKey: 'not-a-key-SECRETISH' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).not.toContain('SECRETISH');
  });

  it('refuses a stale timestamp even when correctly signed', async () => {
    const now = 1_800_000_000;
    const staleTs = String(now - 86400 - 1);
    const headers = signedHeaders(signWithTestKey(staleTs, rawBody), staleTs);
    const result = await sendgridProvider.verify(request(rawBody, headers), ctx(key, now));
    expect(result).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('older') });

    const freshTs = String(now - 86400 + 5);
    const fresh = signedHeaders(signWithTestKey(freshTs, rawBody), freshTs);
    await expect(sendgridProvider.verify(request(rawBody, fresh), ctx(key, now))).resolves.toEqual({ ok: true });
  });

  it('refuses a timestamp more than five minutes in the future', async () => {
    const now = 1_800_000_000;
    const futureTs = String(now + 301);
    const result = await sendgridProvider.verify(request(rawBody, signedHeaders(signWithTestKey(futureTs, rawBody), futureTs)), ctx(key, now));
    expect(result).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('future') });

    const nearTs = String(now + 299);
    await expect(
      sendgridProvider.verify(request(rawBody, signedHeaders(signWithTestKey(nearTs, rawBody), nearTs)), ctx(key, now)),
    ).resolves.toEqual({ ok: true });
  });

  it('refuses a missing signature or timestamp header', async () => {
    const noSig = await sendgridProvider.verify(request(rawBody, { [TIMESTAMP_HEADER]: vectorTimestamp }), ctx(key));
    expect(noSig).toMatchObject({ ok: false, status: 401 });
    const noTs = await sendgridProvider.verify(request(rawBody, { [SIGNATURE_HEADER]: vectorSignature }), ctx(key));
    expect(noTs).toMatchObject({ ok: false, status: 401 });
    const garbageTs = await sendgridProvider.verify(request(rawBody, signedHeaders(vectorSignature, 'yesterday')), ctx(key));
    expect(garbageTs).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a garbage signature', async () => {
    const result = await sendgridProvider.verify(request(rawBody, signedHeaders('bm90IGEgc2lnbmF0dXJl')), ctx(key));
    expect(result).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses when not configured, accepts anything when allowUnsigned', async () => {
    expect(sendgridProvider.isConfigured(settings({}))).toBe(false);
    expect(sendgridProvider.isConfigured(settings(key))).toBe(true);
    await expect(sendgridProvider.verify(request(rawBody, signedHeaders()), ctx({}))).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(sendgridProvider.verify(request(Buffer.from('[]'), {}), ctx({ allowUnsigned: true }))).resolves.toEqual({ ok: true });
  });
});
