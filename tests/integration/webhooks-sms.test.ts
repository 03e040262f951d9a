/**
 * SMS delivery reports against a real Strapi: Twilio status callbacks and Vonage delivery receipts.
 * The signed vectors, refusals that write nothing, and the seed's SMS behaviours: a permanent code
 * fails the number, STOP opts it out, a transient code re-sends, a content or sender code fails the
 * message and leaves the number alone.
 */
import request from 'supertest';
import { verifyTwilio } from '../../server/src/providers/twilio/verify';
import { emptyProviderSettings } from '../../server/src/providers/shared';
import {
  contactRow,
  eventRows,
  expectMessageState,
  ledgerRow,
  logRow,
  payloadJson,
  payloadRequestBody,
  payloadText,
  postWebhook,
  seedContact,
  seedMessage,
  snapshot,
  twilioHeaders,
  twilioSignature,
  vectors,
  vonageSignature,
  vonageSigned,
  withPluginConfig,
  WEBHOOKS,
  type Expected,
} from '../helpers/webhooks';
import { signedRequest, webhookSuite } from '../helpers/webhook-suite';

const MAX_BODY = 64 * 1024;
const TEN_YEARS = 10 * 365 * 24 * 3600;
const PUBLIC_URL = new URL(vectors.twilio.url).origin;
const TWILIO_URL = `${PUBLIC_URL}${WEBHOOKS}/twilio`;
const TWILIO_TOKEN = vectors.twilio.authToken;
const VONAGE_SECRET = vectors.vonage.signatureSecret;

const suite = webhookSuite('webhooks-sms', {
  pluginConfig: {
    publicUrl: PUBLIC_URL,
    providers: {
      twilio: { authToken: TWILIO_TOKEN },
      vonage: { signatureSecret: VONAGE_SECRET, signatureMethod: 'sha256' },
    },
    webhooks: { maxBodyBytes: MAX_BODY },
  },
});
const { expectRefused } = suite;


// ---------------------------------------------------------------------------------------------
// Twilio

const twilioBody = (file: string) => payloadRequestBody('twilio', file);
/** Posts a status callback signed over the public URL Twilio would call (`query` included). */
const postTwilio = (form: string, query = '', token = TWILIO_TOKEN) =>
  suite.send(signedRequest('twilio', form, { publicUrl: TWILIO_URL, query, secret: token }));

const VECTOR_SID = 'SM5f2a9c0e4b7d41f3a8c6e2d1b0a99e77';
const SAMPLE_SID = 'SM1e2d3c4b5a69788796a5b4c3d2e1f0a9';
const TWILIO_NUMBER = '+15005550123';

describe('Twilio: the recorded vector', () => {
  it('verifies with the signing helper and with the plugin, over the URL Twilio signed (with and without :443)', async () => {
    const { url, formBody, expectedSignature, sameRequestIfTwilioSignedWithExplicitPort443: port443 } = vectors.twilio;
    expect(twilioSignature(TWILIO_TOKEN, url, formBody)).toBe(expectedSignature);
    expect(twilioSignature(TWILIO_TOKEN, port443.url, formBody)).toBe(port443.expectedSignature);

    // The sample request file carries the same body and signature.
    const sample = payloadText('twilio', 'undelivered_30005_signed.txt');
    expect(sample).toContain(`X-Twilio-Signature: ${expectedSignature}`);
    expect(twilioBody('undelivered_30005_signed.txt')).toBe(formBody);

    const settings = { ...emptyProviderSettings(), twilio: { authToken: TWILIO_TOKEN } };
    const ctx = { settings, now: Date.now(), maxAgeSeconds: 60, certificateCache: new Map<string, string>() };
    const req = (signature: string) => ({
      rawBody: Buffer.from(formBody),
      headers: { 'x-twilio-signature': signature },
      method: 'POST',
      publicUrl: url,
      query: { tenant: 'acme' },
    });
    expect(await verifyTwilio(req(expectedSignature), ctx)).toEqual({ ok: true });
    expect(await verifyTwilio(req(port443.expectedSignature), ctx)).toEqual({ ok: true });
    expect(await verifyTwilio(req('b1GJ0d64Q8uwSHRcF51FDmXWgvd='), ctx)).toMatchObject({ ok: false, status: 401 });
  });

  it("the vector's request, signed over this site's webhook URL and query, is accepted: 30005 fails the number", async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'sms', address: TWILIO_NUMBER, provider: 'twilio', providerMessageId: VECTOR_SID });
    const response = await postTwilio(vectors.twilio.formBody, '?tenant=acme');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, received: 1, applied: 1 });
    await expectMessageState(
      suite.strapi,
      seeded,
      { status: 'failed', lastError: /30005/, ledger: { state: 'failed', providerCode: '30005' }, mirror: 'failed', outcomes: ['applied'] },
      { from: 0, to: 0 },
    );
  });

  it('accepts the same request signed over the URL with an explicit :443', async () => {
    await seedMessage(suite.strapi, { channel: 'sms', address: TWILIO_NUMBER, provider: 'twilio', providerMessageId: VECTOR_SID });
    const form = vectors.twilio.formBody;
    const headers = twilioHeaders(TWILIO_TOKEN, `${PUBLIC_URL}:443${WEBHOOKS}/twilio?tenant=acme`, form);
    expect((await postWebhook(suite.app, 'twilio?tenant=acme', form, headers)).status).toBe(200);
  });
});

describe('Twilio: refusals write nothing', () => {
  const form = vectors.twilio.formBody;

  beforeEach(async () => {
    await seedMessage(suite.strapi, { channel: 'sms', address: TWILIO_NUMBER, provider: 'twilio', providerMessageId: VECTOR_SID });
  });

  it('a body changed by one byte after signing: 401', async () => {
    const headers = twilioHeaders(TWILIO_TOKEN, `${TWILIO_URL}?tenant=acme`, form);
    const tampered = form.replace('ErrorCode=30005', 'ErrorCode=30006');
    expect(tampered.length).toBe(form.length);
    await expectRefused(() => postWebhook(suite.app, 'twilio?tenant=acme', tampered, headers), 401, /Twilio signature does not match/);
  });

  it('a signature made with another auth token: 401', async () => {
    await expectRefused(() => postTwilio(form, '?tenant=acme', '00000000000000000000000000000000'), 401, /Twilio signature does not match/);
  });

  it('a signature over another URL (the query string Twilio called is part of what it signs): 401', async () => {
    const headers = twilioHeaders(TWILIO_TOKEN, TWILIO_URL, form);
    await expectRefused(() => postWebhook(suite.app, 'twilio?tenant=acme', form, headers), 401, /Twilio signature does not match/);
  });

  it('a signature over the URL the site would have without publicUrl (the internal host): 401', async () => {
    const internal = `http://127.0.0.1${WEBHOOKS}/twilio?tenant=acme`;
    await expectRefused(() => postWebhook(suite.app, 'twilio?tenant=acme', form, twilioHeaders(TWILIO_TOKEN, internal, form)), 401, /does not match/);
  });

  it('no X-Twilio-Signature header: 401', async () => {
    await expectRefused(
      () => postWebhook(suite.app, 'twilio?tenant=acme', form, { 'Content-Type': 'application/x-www-form-urlencoded' }),
      401,
      /missing X-Twilio-Signature/,
    );
  });

  it('no auth token configured: 503 naming the variable to set', async () => {
    await withPluginConfig(suite.app, { providers: { twilio: { authToken: undefined } } }, () =>
      expectRefused(() => postTwilio(form, '?tenant=acme'), 503, /DELIVERABILITY_TWILIO_AUTH_TOKEN/),
    );
  });

  it('a valid signature over a callback without MessageSid: 400', async () => {
    const params = new URLSearchParams(form);
    params.delete('MessageSid');
    params.delete('SmsSid');
    await expectRefused(() => postTwilio(params.toString(), '?tenant=acme'), 400, /Malformed Twilio payload: .*'MessageSid'/);
  });

  it(`a body larger than webhooks.maxBodyBytes (${MAX_BODY}): 413`, async () => {
    await expectRefused(() => postTwilio(`${form}&Body=${'x'.repeat(MAX_BODY)}`, '?tenant=acme'), 413, /larger than/);
  });

  it('a GET: 405', async () => {
    await expectRefused(() => request(suite.app.server).get(`${WEBHOOKS}/twilio?tenant=acme`), 405, /must be POSTed/);
  });
});

describe('Twilio: sample status callbacks', () => {
  const cases: [string, { file: string; errorCode?: string; expected: Expected }][] = [
    [
      'delivered',
      {
        file: 'delivered.txt',
        expected: { status: 'delivered', lastError: null, ledger: { state: 'active', providerCode: null }, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'sent (after the send already recorded it): no change',
      { file: 'sent.txt', expected: { status: 'sent', lastError: null, ledger: null, mirror: 'active', outcomes: ['no_change'] } },
    ],
    [
      'read (WhatsApp, address prefixed with whatsapp:): delivered',
      {
        file: 'read_whatsapp.txt',
        expected: { status: 'delivered', lastError: null, ledger: { state: 'active', providerCode: null }, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'undelivered 30005 (unknown handset, permanent): the message failed, the number failed',
      {
        file: 'undelivered_30005_signed.txt',
        expected: { status: 'failed', lastError: /30005/, ledger: { state: 'failed', providerCode: '30005' }, mirror: 'failed', outcomes: ['applied'] },
      },
    ],
    [
      'undelivered 30006 (landline): the number failed',
      {
        file: 'undelivered_30006_landline.txt',
        expected: { status: 'failed', lastError: /30006/, ledger: { state: 'failed', providerCode: '30006' }, mirror: 'failed', outcomes: ['applied'] },
      },
    ],
    [
      'failed 21610 (the student replied STOP): the number is opted out',
      {
        file: 'undelivered_30007_filtered.txt',
        errorCode: '21610',
        expected: { status: 'failed', lastError: /21610/, ledger: { state: 'opted_out', providerCode: '21610' }, mirror: 'opted_out', outcomes: ['applied'] },
      },
    ],
    [
      'undelivered 30007 (carrier filtering, a content error): the message failed, the number still active',
      {
        file: 'undelivered_30007_filtered.txt',
        expected: { status: 'failed', lastError: /30007/, ledger: null, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'failed 30001 (queue overflow, a sender problem): the message failed, the number still active',
      {
        file: 'failed_30001_queue_overflow.txt',
        expected: { status: 'failed', lastError: /30001/, ledger: null, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'undelivered 30003 (handset unreachable, transient): deferred, re-sent in 15 minutes',
      {
        file: 'undelivered_30003_unreachable.txt',
        expected: {
          status: 'deferred',
          lastError: /30003/,
          retryInMinutes: 15,
          ledger: { state: 'soft_bouncing', providerCode: '30003' },
          mirror: 'soft_bouncing',
          outcomes: ['applied'],
        },
      },
    ],
  ];

  it.each(cases)('%s', async (_, { file, errorCode, expected }) => {
    const sid = file === 'undelivered_30005_signed.txt' ? VECTOR_SID : SAMPLE_SID;
    const seeded = await seedMessage(suite.strapi, { channel: 'sms', address: TWILIO_NUMBER, provider: 'twilio', providerMessageId: sid });
    const params = new URLSearchParams(twilioBody(file));
    if (errorCode) {
      params.set('ErrorCode', errorCode);
      params.set('MessageStatus', 'failed');
      params.set('SmsStatus', 'failed');
    }
    const from = Date.now();
    const response = await postTwilio(params.toString());
    const to = Date.now();
    expect(response.status).toBe(200);
    await expectMessageState(suite.strapi, seeded, expected, { from, to });
  });

  it("finds the message by the plugin's ?dlv= reference in the StatusCallback URL", async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'sms', address: TWILIO_NUMBER, provider: 'twilio', providerMessageId: null });
    const response = await postTwilio(twilioBody('delivered.txt'), `?dlv=${seeded.log.documentId}.1`);
    expect(response.status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('delivered');
  });

  it('a late "sent" after "delivered" does not move the message back', async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'sms', address: TWILIO_NUMBER, provider: 'twilio', providerMessageId: SAMPLE_SID });
    expect((await postTwilio(twilioBody('delivered.txt'))).status).toBe(200);
    expect((await postTwilio(twilioBody('sent.txt'))).status).toBe(200);
    await expectMessageState(
      suite.strapi,
      seeded,
      { status: 'delivered', lastError: null, ledger: { state: 'active', providerCode: null }, mirror: 'active', outcomes: ['applied', 'no_change'] },
      { from: 0, to: 0 },
    );
  });

  it('a delivery after a transient failure clears the soft-bounce state of the number', async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'sms', address: TWILIO_NUMBER, provider: 'twilio', providerMessageId: SAMPLE_SID });
    expect((await postTwilio(twilioBody('undelivered_30003_unreachable.txt'))).status).toBe(200);
    expect((await contactRow(suite.strapi, seeded.contactId)).mobileStatus).toBe('soft_bouncing');
    expect((await postTwilio(twilioBody('delivered.txt'))).status).toBe(200);
    await expectMessageState(
      suite.strapi,
      seeded,
      { status: 'delivered', lastError: /30003/, ledger: { state: 'active', providerCode: null }, mirror: 'active', outcomes: ['applied', 'applied'] },
      { from: 0, to: 0 },
    );
    expect(await ledgerRow(suite.strapi, 'sms', TWILIO_NUMBER)).toMatchObject({ softBounceCount: 0, reason: 'Delivered again after soft bounces.' });
  });

  it('the same callback twice (Twilio retries on timeout) is stored once', async () => {
    await seedMessage(suite.strapi, { channel: 'sms', address: TWILIO_NUMBER, provider: 'twilio', providerMessageId: SAMPLE_SID });
    const form = twilioBody('undelivered_30003_unreachable.txt');
    expect((await postTwilio(form)).status).toBe(200);
    const after = await snapshot(suite.strapi);
    const again = await postTwilio(form);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicates: 1, applied: 0 });
    expect(await snapshot(suite.strapi)).toEqual(after);
  });

  it("a site's own code table wins: 30007 configured as permanent fails the number", async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'sms', address: TWILIO_NUMBER, provider: 'twilio', providerMessageId: SAMPLE_SID });
    const response = await withPluginConfig(suite.app, { providers: { twilio: { errorCodes: { '30007': 'permanent' } } } }, () =>
      postTwilio(twilioBody('undelivered_30007_filtered.txt')),
    );
    expect(response.status).toBe(200);
    await expectMessageState(
      suite.strapi,
      seeded,
      { status: 'failed', lastError: /30007/, ledger: { state: 'failed', providerCode: '30007' }, mirror: 'failed', outcomes: ['applied'] },
      { from: 0, to: 0 },
    );
  });

  it('a failure that matches no message still fails the number and its contact, kept as unmatched', async () => {
    const contactId = await seedContact(suite.strapi, 'sms', TWILIO_NUMBER);
    const response = await postTwilio(vectors.twilio.formBody);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ unmatched: 1 });
    expect(await ledgerRow(suite.strapi, 'sms', TWILIO_NUMBER)).toMatchObject({ state: 'failed', providerCode: '30005', provider: 'twilio' });
    expect((await contactRow(suite.strapi, contactId)).mobileStatus).toBe('failed');
    expect((await eventRows(suite.strapi)).map((e) => [e.outcome, e.logDocumentId])).toEqual([['unmatched', null]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Vonage

const VONAGE_NUMBER = '+447700900123';
const vonageParams = (file: string) => payloadJson<Record<string, string>>('vonage', file);
const postVonageJson = (params: Record<string, string> | string) =>
  postWebhook(suite.app, 'vonage', typeof params === 'string' ? params : JSON.stringify(params), { 'Content-Type': 'application/json' });
const seedVonage = (messageId: string) =>
  seedMessage(suite.strapi, { channel: 'sms', address: VONAGE_NUMBER, provider: 'vonage', providerMessageId: messageId });

describe('Vonage: the recorded vector', () => {
  const signedFile = payloadText('vonage', 'dlr_failed_err3_signed_hmac_sha256.json');

  it('verifies with the signing helper (HMAC-SHA256 and MD5 hash)', () => {
    expect(vonageSignature(vectors.vonage.params, VONAGE_SECRET, 'sha256')).toBe(vectors.vonage.hmacSha256);
    expect(vonageSignature(vectors.vonage.params, VONAGE_SECRET, 'md5hash')).toBe(vectors.vonage.md5hash);
    expect((JSON.parse(signedFile) as Record<string, string>).sig).toBe(vectors.vonage.hmacSha256);
  });

  it('is accepted as sent when the secret and method are configured: error 3 fails the number', async () => {
    const seeded = await seedVonage('0C000000A1B2C3D4');
    const response = await withPluginConfig(suite.app, { webhooks: { maxAgeSeconds: TEN_YEARS } }, () => postVonageJson(signedFile));
    expect(response.status).toBe(200);
    await expectMessageState(
      suite.strapi,
      seeded,
      { status: 'failed', lastError: /3 Absent Subscriber - Permanent/, ledger: { state: 'failed', providerCode: '3' }, mirror: 'failed', outcomes: ['applied'] },
      { from: 0, to: 0 },
    );
  });

  it('is refused as stale with the default freshness window, writing nothing', async () => {
    await seedVonage('0C000000A1B2C3D4');
    await expectRefused(() => postVonageJson(signedFile), 401, /older than 172800 seconds/);
  });
});

describe('Vonage: refusals write nothing', () => {
  const failed = vonageParams('dlr_failed_err3_signed_hmac_sha256.json');

  beforeEach(async () => {
    await seedVonage('0C000000A1B2C3D4');
  });

  it('a body changed by one byte after signing: 401', async () => {
    const text = JSON.stringify(vonageSigned(failed));
    const tampered = text.replace('"err-code":"3"', '"err-code":"4"');
    expect(tampered).not.toBe(text);
    await expectRefused(() => postVonageJson(tampered), 401, /Vonage signature does not match/);
  });

  it('a signature made with another secret: 401', async () => {
    await expectRefused(() => postVonageJson(vonageSigned(failed, { secret: 'another-secret' })), 401, /Vonage signature does not match/);
  });

  it('a signature made with another method than the one configured: 401', async () => {
    await expectRefused(() => postVonageJson(vonageSigned(failed, { method: 'md5hash' })), 401, /Vonage signature does not match/);
  });

  it('a signed timestamp older than the window: 401', async () => {
    const stale = Math.floor(Date.now() / 1000) - 48 * 3600 - 60;
    await expectRefused(() => postVonageJson(vonageSigned(failed, { timestamp: stale })), 401, /older than/);
  });

  it('no sig: 401', async () => {
    const params = vonageSigned(failed);
    delete params.sig;
    await expectRefused(() => postVonageJson(params), 401, /missing Vonage 'sig'/);
  });

  it('no signed timestamp: 401', async () => {
    const params: Record<string, string> = { ...failed, nonce: 'n-1' };
    delete params.timestamp;
    delete params.sig;
    params.sig = vonageSignature(params, VONAGE_SECRET, 'sha256');
    await expectRefused(() => postVonageJson(params), 401, /'timestamp'/);
  });

  it('no signature secret configured: 503 naming the variable to set', async () => {
    await withPluginConfig(suite.app, { providers: { vonage: { signatureSecret: undefined } } }, () =>
      expectRefused(() => postVonageJson(vonageSigned(failed)), 503, /DELIVERABILITY_VONAGE_SIGNATURE_SECRET/),
    );
  });

  it('a JSON body that is not valid JSON: 400', async () => {
    await expectRefused(() => postVonageJson(JSON.stringify(vonageSigned(failed)).slice(0, -2)), 400, /not valid JSON/);
  });

  it('a valid signature over a receipt without messageId: 400', async () => {
    const params: Record<string, string> = { ...failed };
    delete params.messageId;
    await expectRefused(() => postVonageJson(vonageSigned(params)), 400, /Malformed Vonage payload: .*'messageId'/);
  });

  it(`a body larger than webhooks.maxBodyBytes (${MAX_BODY}): 413`, async () => {
    await expectRefused(() => postVonageJson(vonageSigned({ ...failed, padding: 'x'.repeat(MAX_BODY) })), 413, /larger than/);
  });

  it('a GET with a tampered query: 401', async () => {
    const query = new URLSearchParams(vonageSigned(failed)).toString().replace('err-code=3', 'err-code=4');
    await expectRefused(() => request(suite.app.server).get(`${WEBHOOKS}/vonage?${query}`), 401, /does not match/);
  });
});

describe('Vonage: sample delivery receipts', () => {
  const cases: [string, { file: string; edit?: Record<string, string>; expected: Expected }][] = [
    [
      'delivered',
      {
        file: 'dlr_delivered.json',
        expected: { status: 'delivered', lastError: null, ledger: { state: 'active', providerCode: null }, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'failed, error 3 (absent subscriber, permanent): the number failed',
      {
        file: 'dlr_failed_err3_signed_hmac_sha256.json',
        expected: { status: 'failed', lastError: /^3 Absent Subscriber - Permanent/, ledger: { state: 'failed', providerCode: '3' }, mirror: 'failed', outcomes: ['applied'] },
      },
    ],
    [
      'rejected, error 6 (anti-spam, a content error): the message failed, the number still active',
      {
        file: 'dlr_rejected_antispam.json',
        expected: { status: 'failed', lastError: /6 Anti-Spam Rejection/, ledger: null, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'expired, error 1 (unknown): the message failed, the number still active',
      {
        file: 'dlr_expired.json',
        expected: { status: 'failed', lastError: /1 Unknown/, ledger: null, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'failed, error 9 (the student asked not to receive messages): the number is opted out',
      {
        file: 'dlr_failed_err3_signed_hmac_sha256.json',
        edit: { 'err-code': '9' },
        expected: { status: 'failed', lastError: /9 Illegal Number/, ledger: { state: 'opted_out', providerCode: '9' }, mirror: 'opted_out', outcomes: ['applied'] },
      },
    ],
    [
      'failed, error 2 (absent subscriber, temporary): deferred, re-sent in 15 minutes',
      {
        file: 'dlr_failed_err3_signed_hmac_sha256.json',
        edit: { 'err-code': '2' },
        expected: {
          status: 'deferred',
          lastError: /2 Absent Subscriber - Temporary/,
          retryInMinutes: 15,
          ledger: { state: 'soft_bouncing', providerCode: '2' },
          mirror: 'soft_bouncing',
          outcomes: ['applied'],
        },
      },
    ],
  ];

  it.each(cases)('%s', async (_, { file, edit, expected }) => {
    const params = { ...vonageParams(file), ...edit };
    const seeded = await seedVonage(params.messageId);
    const from = Date.now();
    const response = await postVonageJson(vonageSigned(params));
    const to = Date.now();
    expect(response.status).toBe(200);
    await expectMessageState(suite.strapi, seeded, expected, { from, to });
  });

  it('a receipt sent as GET (dlr_delivered_get.txt), signed, is accepted', async () => {
    const seeded = await seedVonage('0C000000A1B2C3D4');
    const line = payloadText('vonage', 'dlr_delivered_get.txt').split('\n')[0];
    const query = new URLSearchParams(/\?(\S+) HTTP/.exec(line)?.[1] ?? '');
    const signed = vonageSigned(Object.fromEntries(query));
    expect(signed['message-timestamp']).toBe('2025-10-09 14:32:40');
    const response = await request(suite.app.server).get(`${WEBHOOKS}/vonage?${new URLSearchParams(signed).toString()}`);
    expect(response.status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('delivered');
  });

  it('a receipt sent as a POSTed form, signed, is accepted', async () => {
    const seeded = await seedVonage('0C000000A1B2C3D4');
    const form = new URLSearchParams(vonageSigned(vonageParams('dlr_delivered.json'))).toString();
    const response = await postWebhook(suite.app, 'vonage', form, { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('delivered');
  });

  it('finds the message by the plugin\'s client-ref when the message id is not known', async () => {
    const seeded = await seedVonage('not-the-id');
    const params = { ...vonageParams('dlr_delivered.json'), 'client-ref': `${seeded.log.documentId}.1` };
    expect((await postVonageJson(vonageSigned(params))).status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('delivered');
  });
});
