import { createPrivateKey, generateKeyPairSync, sign } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { UpstreamUnavailableError, emptyProviderSettings } from '../shared';
import type { ProviderSettings, VerifyContext, WebhookRequest } from '../types';
import { sesProvider } from './index';
import { isSnsUrl, snsStringToSign } from './verify';

const SHARED = path.resolve(__dirname, '../../../../../shared/providers');
type Envelope = Record<string, string>;
interface SnsVector {
  certPem: string;
  notification: Envelope;
  notificationStringToSign: string;
  subscriptionConfirmation: Envelope;
  subscriptionStringToSign: string;
}
const vector = JSON.parse(fs.readFileSync(path.join(SHARED, 'vectors/sns_own_vector.json'), 'utf8')) as SnsVector;
const certPem = fs.readFileSync(path.join(SHARED, 'vectors/sns_test_cert.pem'), 'utf8');
const testKeyPem = fs.readFileSync(path.join(SHARED, 'vectors/sns_test_key.pem'), 'utf8');
const signedBounce = fs.readFileSync(path.join(SHARED, 'payloads/ses/sns_notification_bounce_permanent_signed.json'));
const signedConfirmation = fs.readFileSync(path.join(SHARED, 'payloads/ses/sns_subscription_confirmation_signed.json'));

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-feedback';
const CERT_URL = vector.notification.SigningCertURL;
const bounceTime = Date.parse(vector.notification.Timestamp);

function makeCtx(ses: Partial<ProviderSettings['ses']> = {}, now = bounceTime + 60_000) {
  const fetchCertificate = jest.fn(async (_url: string) => certPem);
  const ctx: VerifyContext = {
    settings: { ...emptyProviderSettings(), ses: { topicArns: [TOPIC], fetchCertificate, ...ses } },
    now,
    maxAgeSeconds: 3600,
    certificateCache: new Map(),
  };
  return { ctx, fetchCertificate };
}

function request(body: Buffer | string | object, headers: Record<string, string> = {}): WebhookRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { rawBody, headers: { 'content-type': 'text/plain; charset=UTF-8', ...headers }, method: 'POST', publicUrl: 'https://cms.example.com/x', query: {} };
}

/** Signs an envelope with the TEST-ONLY key that belongs to sns_test_cert.pem. */
function signEnvelope(envelope: Envelope, key = createPrivateKey(testKeyPem)): Envelope {
  const toSign = snsStringToSign(envelope);
  if (!toSign.ok) throw new Error(`missing ${toSign.missing}`);
  const algorithm = envelope.SignatureVersion === '1' ? 'sha1' : 'sha256';
  return { ...envelope, Signature: sign(algorithm, Buffer.from(toSign.value), key).toString('base64') };
}

describe('ses verify: signature vectors', () => {
  it('builds the published strings to sign', () => {
    expect(certPem.trim()).toBe(vector.certPem.trim());
    expect(snsStringToSign(vector.notification)).toEqual({ ok: true, value: vector.notificationStringToSign });
    expect(snsStringToSign(vector.subscriptionConfirmation)).toEqual({ ok: true, value: vector.subscriptionStringToSign });
  });

  it('accepts the signed bounce notification (SignatureVersion 2)', async () => {
    const { ctx, fetchCertificate } = makeCtx();
    await expect(sesProvider.verify(request(signedBounce), ctx)).resolves.toEqual({ ok: true });
    expect(fetchCertificate).toHaveBeenCalledWith(CERT_URL);
  });

  it('accepts the signed subscription confirmation (SignatureVersion 1)', async () => {
    const { ctx } = makeCtx({}, Date.parse(vector.subscriptionConfirmation.Timestamp) + 1000);
    await expect(sesProvider.verify(request(signedConfirmation), ctx)).resolves.toEqual({ ok: true });
  });

  it('accepts matching SNS headers and refuses mismatching ones', async () => {
    const headers = { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': vector.notification.MessageId, 'x-amz-sns-topic-arn': TOPIC };
    await expect(sesProvider.verify(request(signedBounce, headers), makeCtx().ctx)).resolves.toEqual({ ok: true });
    const wrong = { ...headers, 'x-amz-sns-message-id': 'another-id' };
    await expect(sesProvider.verify(request(signedBounce, wrong), makeCtx().ctx)).resolves.toMatchObject({ ok: false, status: 400 });
  });

  it('caches the certificate by URL', async () => {
    const { ctx, fetchCertificate } = makeCtx();
    await sesProvider.verify(request(signedBounce), ctx);
    await expect(sesProvider.verify(request(signedBounce), ctx)).resolves.toEqual({ ok: true });
    expect(fetchCertificate).toHaveBeenCalledTimes(1);
    expect(ctx.certificateCache.get(CERT_URL)).toBe(certPem);
  });

  it('checks a Subject when present (signed over it)', async () => {
    const withSubject = signEnvelope({ ...vector.notification, Subject: 'Amazon SES Email Event Notification' });
    await expect(sesProvider.verify(request(withSubject), makeCtx().ctx)).resolves.toEqual({ ok: true });
    const changed = { ...withSubject, Subject: 'Amazon SES Email Event NotificatioN' };
    await expect(sesProvider.verify(request(changed), makeCtx().ctx)).resolves.toMatchObject({ ok: false, status: 401 });
  });
});

describe('ses verify: refusals', () => {
  it('refuses the body changed by one byte', async () => {
    const tampered = Buffer.from(signedBounce);
    const at = tampered.indexOf('gone@example.net');
    tampered[at] = 'G'.charCodeAt(0);
    await expect(sesProvider.verify(request(tampered), makeCtx().ctx)).resolves.toEqual({ ok: false, status: 401, reason: 'SNS signature does not match' });
  });

  it('refuses a confirmation whose SubscribeURL was changed', async () => {
    const changed = { ...vector.subscriptionConfirmation, SubscribeURL: vector.subscriptionConfirmation.SubscribeURL.replace('Token=2', 'Token=3') };
    const { ctx } = makeCtx({}, Date.parse(vector.subscriptionConfirmation.Timestamp));
    await expect(sesProvider.verify(request(changed), ctx)).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a message signed by another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = signEnvelope({ ...vector.notification }, other);
    await expect(sesProvider.verify(request(forged), makeCtx().ctx)).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a SignatureVersion 2 signature presented as version 1', async () => {
    const downgraded = { ...vector.notification, SignatureVersion: '1' };
    await expect(sesProvider.verify(request(downgraded), makeCtx().ctx)).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a stale Timestamp before fetching anything, and a correctly signed fresh one is accepted', async () => {
    const { ctx, fetchCertificate } = makeCtx({}, bounceTime + 3601_000);
    await expect(sesProvider.verify(request(signedBounce), ctx)).resolves.toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('older') });
    expect(fetchCertificate).not.toHaveBeenCalled();

    const now = Date.parse('2030-01-01T00:00:00.000Z');
    const fresh = signEnvelope({ ...vector.notification, Timestamp: '2029-12-31T23:59:00.000Z' });
    await expect(sesProvider.verify(request(fresh), makeCtx({}, now).ctx)).resolves.toEqual({ ok: true });
    const future = signEnvelope({ ...vector.notification, Timestamp: '2030-01-01T00:06:00.000Z' });
    await expect(sesProvider.verify(request(future), makeCtx({}, now).ctx)).resolves.toMatchObject({ ok: false, reason: expect.stringContaining('future') });
  });

  it('refuses a missing signature, or an unsupported SignatureVersion', async () => {
    const noSig: Envelope = { ...vector.notification };
    delete noSig.Signature;
    await expect(sesProvider.verify(request(noSig), makeCtx().ctx)).resolves.toMatchObject({ ok: false, status: 401 });
    await expect(sesProvider.verify(request({ ...vector.notification, SignatureVersion: '3' }), makeCtx().ctx)).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a topic that is not on the allow-list', async () => {
    const { ctx, fetchCertificate } = makeCtx({ topicArns: ['arn:aws:sns:eu-west-1:123456789012:other-topic'] });
    await expect(sesProvider.verify(request(signedBounce), ctx)).resolves.toEqual({ ok: false, status: 403, reason: 'SNS TopicArn is not on the allow-list' });
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  const badCertUrls: Array<[string, string]> = [
    ['http', 'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['a look-alike host', 'https://sns.eu-west-1.amazonaws.com.evil.example/SimpleNotificationService-abc.pem'],
    ['an S3 host', 'https://s3.amazonaws.com/sns.eu-west-1.amazonaws.com/cert.pem'],
    ['another AWS service', 'https://sqs.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['a non-.pem path', 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.crt'],
    ['credentials in the URL', 'https://user:pw@sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['an explicit port', 'https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-abc.pem'],
    ['not a URL', 'sns.eu-west-1.amazonaws.com/cert.pem'],
  ];
  it.each(badCertUrls)('refuses a SigningCertURL with %s before fetching it', async (_label, url) => {
    const { ctx, fetchCertificate } = makeCtx();
    const result = await sesProvider.verify(request({ ...vector.notification, SigningCertURL: url }), ctx);
    expect(result).toEqual({ ok: false, status: 403, reason: 'SigningCertURL is not an https SNS certificate URL' });
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it('accepts China-region certificate hosts by pattern', () => {
    expect(isSnsUrl('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-x.pem', { pem: true })).toBe(true);
    expect(isSnsUrl('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem', { pem: true })).toBe(true);
    expect(isSnsUrl('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription', { pem: false })).toBe(true);
    expect(isSnsUrl('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription', { pem: true })).toBe(false);
  });

  it('throws UpstreamUnavailableError when the certificate cannot be fetched, and caches nothing', async () => {
    const { ctx } = makeCtx({ fetchCertificate: async () => Promise.reject(new Error('ETIMEDOUT')) });
    await expect(sesProvider.verify(request(signedBounce), ctx)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(ctx.certificateCache.size).toBe(0);
  });

  it('refuses (401) when the fetched certificate is not a certificate, and does not cache it', async () => {
    const { ctx } = makeCtx({ fetchCertificate: async () => '<html>not a cert</html>' });
    await expect(sesProvider.verify(request(signedBounce), ctx)).resolves.toMatchObject({ ok: false, status: 401 });
    expect(ctx.certificateCache.size).toBe(0);
  });

  it('uses the global fetch when no fetchCertificate is configured', async () => {
    const fetchSpy = jest.spyOn(global, 'fetch').mockResolvedValue(new Response(certPem, { status: 200 }));
    try {
      const { ctx } = makeCtx({ fetchCertificate: undefined });
      await expect(sesProvider.verify(request(signedBounce), ctx)).resolves.toEqual({ ok: true });
      expect(fetchSpy).toHaveBeenCalledWith(CERT_URL, expect.objectContaining({ redirect: 'error', signal: expect.anything() }));

      fetchSpy.mockResolvedValue(new Response('gone', { status: 404 }));
      const second = makeCtx({ fetchCertificate: undefined });
      await expect(sesProvider.verify(request(signedBounce), second.ctx)).rejects.toThrow(/could not fetch the SNS signing certificate: HTTP 404/);
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it('answers 400 to a body that is not an SNS envelope', async () => {
    await expect(sesProvider.verify(request('not json'), makeCtx().ctx)).resolves.toMatchObject({ ok: false, status: 400 });
    await expect(sesProvider.verify(request({ ...vector.notification, Type: 'Other' }), makeCtx().ctx)).resolves.toMatchObject({ ok: false, status: 400 });
  });

  it('is configured by its topic allow-list; refuses when empty; allowUnsigned still applies the allow-list', async () => {
    expect(sesProvider.isConfigured(emptyProviderSettings())).toBe(false);
    expect(sesProvider.isConfigured({ ...emptyProviderSettings(), ses: { topicArns: [TOPIC] } })).toBe(true);
    await expect(sesProvider.verify(request(signedBounce), makeCtx({ topicArns: [] }).ctx)).resolves.toMatchObject({ ok: false, status: 403 });
    const unsigned = { ...vector.notification, Signature: 'forged' };
    await expect(sesProvider.verify(request(unsigned), makeCtx({ allowUnsigned: true }).ctx)).resolves.toEqual({ ok: true });
    await expect(sesProvider.verify(request(unsigned), makeCtx({ allowUnsigned: true, topicArns: ['arn:other'] }).ctx)).resolves.toMatchObject({ ok: false, status: 403 });
  });
});
