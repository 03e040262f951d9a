/**
 * Amazon SES notifications through SNS against a real Strapi: the signed vectors (with the TEST-ONLY
 * certificate supplied through `providers.ses.fetchCertificate`), refusals that write nothing,
 * subscription confirmation, and each sample SES message's effect.
 */
import {
  contactRow,
  eventRows,
  expectMessageState,
  ledgerRow,
  logRow,
  otherRsaPrivateKeyPem,
  payloadJson,
  payloadText,
  postWebhook,
  seedContact,
  seedMessage,
  snapshot,
  snsHeaders,
  snsNotification,
  snsSigned,
  SNS_CERT_URL,
  SNS_TEST_CERT_PEM,
  SNS_TOPIC,
  vectors,
  withPluginConfig,
  type Expected,
  type JsonObject,
} from '../helpers/webhooks';
import { webhookSuite, type Answer } from '../helpers/webhook-suite';

const MAX_BODY = 64 * 1024;
const TEN_YEARS = 10 * 365 * 24 * 3600;
const SES_MESSAGE_ID = '0102019a1b2c3c00-11112222-3333-4444-5555-666677778888-000000';
const UNAVAILABLE_CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-unavailable.pem';

const certificateFetches: string[] = [];
const confirmations: string[] = [];

const suite = webhookSuite('webhooks-ses', {
  pluginConfig: {
    providers: {
      ses: {
        topicArns: [SNS_TOPIC],
        fetchCertificate: async (url: string) => {
          certificateFetches.push(url);
          if (url === UNAVAILABLE_CERT_URL) throw new Error('connect ETIMEDOUT');
          return SNS_TEST_CERT_PEM;
        },
        confirmSubscription: async (url: string) => {
          confirmations.push(url);
        },
      },
    },
    webhooks: { maxBodyBytes: MAX_BODY },
  },
});

beforeEach(() => {
  confirmations.length = 0;
});

const post = (envelope: Record<string, string> | string, headers?: Record<string, string>) => {
  const body = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
  return postWebhook(suite.app, 'ses', body, headers ?? (typeof envelope === 'string' ? { 'Content-Type': 'text/plain; charset=UTF-8' } : snsHeaders(envelope)));
};

/** Refused, nothing written, and no subscription confirmed. */
async function expectRefused(send: () => Promise<Answer>, status: number, error: RegExp) {
  await suite.expectRefused(send, status, error);
  expect(confirmations).toEqual([]);
}

const seedGone = () => seedMessage(suite.strapi, { channel: 'email', address: 'gone@example.net', provider: 'ses', providerMessageId: SES_MESSAGE_ID });

describe('the recorded vectors', () => {
  const signedNotification = payloadText('ses', 'sns_notification_bounce_permanent_signed.json');
  const signedConfirmation = payloadText('ses', 'sns_subscription_confirmation_signed.json');
  const headersOf = (text: string) => snsHeaders(JSON.parse(text) as Record<string, string>);

  it('the sample files are the vectors', () => {
    expect(JSON.parse(signedNotification)).toEqual(vectors.sns.notification);
    expect(JSON.parse(signedConfirmation)).toEqual(vectors.sns.subscriptionConfirmation);
  });

  it('the signed notification is accepted as sent, with the test certificate and its topic allowed', async () => {
    const seeded = await seedGone();
    const response = await withPluginConfig(suite.app, { webhooks: { maxAgeSeconds: TEN_YEARS } }, () => post(signedNotification, headersOf(signedNotification)));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, received: 1, applied: 1 });
    await expectMessageState(
      suite.strapi,
      seeded,
      { status: 'bounced', lastError: /5\.1\.1/, ledger: { state: 'failed', providerCode: '5.1.1' }, mirror: 'failed', outcomes: ['applied'] },
      { from: 0, to: 0 },
    );
    expect(certificateFetches).toContain(SNS_CERT_URL);
  });

  it('the signed notification is refused as stale with the default freshness window, writing nothing', async () => {
    await seedGone();
    await expectRefused(() => post(signedNotification, headersOf(signedNotification)), 401, /older than 172800 seconds/);
  });

  it('the signed SubscriptionConfirmation is confirmed: its SubscribeURL is fetched, nothing is stored', async () => {
    const before = await snapshot(suite.strapi);
    const response = await withPluginConfig(suite.app, { webhooks: { maxAgeSeconds: TEN_YEARS } }, () => post(signedConfirmation, headersOf(signedConfirmation)));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, confirmed: true });
    expect(confirmations).toEqual([vectors.sns.subscriptionConfirmation.SubscribeURL]);
    expect(await snapshot(suite.strapi)).toEqual(before);
  });

  it('the signed SubscriptionConfirmation is refused as stale with the default window, and not confirmed', async () => {
    await expectRefused(() => post(signedConfirmation, headersOf(signedConfirmation)), 401, /older than/);
  });

  it('fetches each signing certificate once, then uses its cache', async () => {
    await seedGone();
    const fetchesBefore = certificateFetches.filter((url) => url === SNS_CERT_URL).length;
    for (let i = 0; i < 3; i++) {
      expect((await post(snsNotification(JSON.parse(vectors.sns.notification.Message) as JsonObject))).status).toBe(200);
    }
    expect(certificateFetches.filter((url) => url === SNS_CERT_URL).length).toBe(Math.max(fetchesBefore, 1));
  });
});

describe('refusals write nothing', () => {
  const bounce = JSON.parse(vectors.sns.notification.Message) as JsonObject;
  let seeded: Awaited<ReturnType<typeof seedGone>>;

  beforeEach(async () => {
    seeded = await seedGone();
  });

  it('the body changed by one byte after signing: 401', async () => {
    const envelope = snsNotification(bounce);
    const text = JSON.stringify(envelope);
    const tampered = text.replace('Permanent', 'Permanenu');
    expect(tampered.length).toBe(text.length);
    await expectRefused(() => post(tampered, snsHeaders(envelope)), 401, /SNS signature does not match/);
  });

  it('a signature made with another key: 401', async () => {
    await expectRefused(() => post(snsNotification(bounce, { keyPem: otherRsaPrivateKeyPem() })), 401, /SNS signature does not match/);
  });

  it('a Timestamp older than the window: 401', async () => {
    const stale = new Date(Date.now() - 48 * 3600_000 - 60_000).toISOString();
    await expectRefused(() => post(snsNotification(bounce, { timestamp: stale })), 401, /older than/);
  });

  it('no Signature: 401', async () => {
    const envelope = snsNotification(bounce);
    delete envelope.Signature;
    await expectRefused(() => post(envelope), 401, /missing SNS Signature/);
  });

  it('an unknown SignatureVersion: 401', async () => {
    await expectRefused(() => post(snsSigned({ ...snsNotification(bounce), SignatureVersion: '3' })), 401, /SignatureVersion must be 1 or 2/);
  });

  it('a genuinely signed message from a topic not on the allow-list: 403', async () => {
    await expectRefused(() => post(snsNotification(bounce, { topicArn: 'arn:aws:sns:eu-west-1:999999999999:someone-else' })), 403, /TopicArn is not on the allow-list/);
  });

  it('a signing certificate URL that is not on an SNS host: 403, and it is never fetched', async () => {
    const evil = 'https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem';
    await expectRefused(() => post(snsSigned({ ...snsNotification(bounce), SigningCertURL: evil })), 403, /SigningCertURL is not an https SNS certificate URL/);
    expect(certificateFetches).not.toContain(evil);
  });

  it('SNS headers that contradict the body: 400', async () => {
    const envelope = snsNotification(bounce);
    await expectRefused(() => post(envelope, { ...snsHeaders(envelope), 'x-amz-sns-message-id': 'something-else' }), 400, /headers do not match/);
  });

  it('the signing certificate cannot be fetched: 503, so that SNS retries', async () => {
    await expectRefused(() => post(snsSigned({ ...snsNotification(bounce), SigningCertURL: UNAVAILABLE_CERT_URL })), 503, /could not fetch the SNS signing certificate/);
  });

  it('no topic allow-list configured: 503 naming the variable to set', async () => {
    await withPluginConfig(suite.app, { providers: { ses: { topicArns: [] } } }, () =>
      expectRefused(() => post(snsNotification(bounce)), 503, /DELIVERABILITY_SES_TOPIC_ARNS/),
    );
  });

  it('a body that is not JSON: 400', async () => {
    await expectRefused(() => post(JSON.stringify(snsNotification(bounce)).slice(0, -2)), 400, /SNS body is not a JSON object/);
  });

  it('a validly signed envelope whose SES message is not JSON: 400', async () => {
    await expectRefused(() => post(snsNotification('{"notificationType": "Bounce", ')), 400, /Malformed Amazon SES \(SNS\) payload: .*not valid JSON/);
  });

  it('a validly signed SES bounce without recipients: 400', async () => {
    const withoutRecipients = { ...bounce, bounce: { ...(bounce.bounce as JsonObject), bouncedRecipients: [] } };
    await expectRefused(() => post(snsNotification(withoutRecipients)), 400, /has no recipients/);
  });

  it(`a body larger than webhooks.maxBodyBytes (${MAX_BODY}): 413`, async () => {
    const big = { ...bounce, padding: 'x'.repeat(MAX_BODY) };
    await expectRefused(() => post(snsNotification(big)), 413, /larger than/);
  });

  it('the same notification, correctly signed, is applied', async () => {
    expect((await post(snsNotification(bounce))).status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('bounced');
  });
});

describe('subscription confirmation', () => {
  const confirmation = (topicArn: string, subscribeUrl?: string): Record<string, string> => {
    const token = 'a1b2c3'.repeat(10);
    return snsSigned({
      Type: 'SubscriptionConfirmation',
      MessageId: `confirm-${Date.now()}-${Math.random()}`,
      Token: token,
      TopicArn: topicArn,
      Message: `You have chosen to subscribe to the topic ${topicArn}.`,
      SubscribeURL: subscribeUrl ?? `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${token}`,
      Timestamp: new Date().toISOString(),
      SignatureVersion: '1',
      SigningCertURL: SNS_CERT_URL,
    });
  };

  it('confirms a subscription for an allowed topic by fetching its SubscribeURL', async () => {
    const request = confirmation(SNS_TOPIC);
    const response = await post(request);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, confirmed: true });
    expect(confirmations).toEqual([request.SubscribeURL]);
  });

  it('refuses a genuinely signed confirmation for a topic not on the allow-list (403) and fetches nothing', async () => {
    await expectRefused(() => post(confirmation('arn:aws:sns:eu-west-1:999999999999:someone-else')), 403, /TopicArn is not on the allow-list/);
  });

  it('refuses a SubscribeURL that is not an SNS endpoint (400) and fetches nothing', async () => {
    await expectRefused(() => post(confirmation(SNS_TOPIC, 'https://attacker.example/?Action=ConfirmSubscription')), 400, /SubscribeURL is not an https SNS endpoint URL/);
  });

  it('answers 502 when the confirmation request fails, so that SNS asks again', async () => {
    suite.strapi.log.silent = true;
    const response = await withPluginConfig(
      suite.app,
      { providers: { ses: { confirmSubscription: async () => Promise.reject(new Error('SNS answered 500')) } } },
      () => post(confirmation(SNS_TOPIC)),
    ).finally(() => {
      suite.strapi.log.silent = false;
    });
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ ok: false, error: expect.stringMatching(/Could not confirm/) });
  });
});

describe('sample SES messages, signed in an SNS envelope', () => {
  const cases: [string, { file: string; address: string; expected: Expected }][] = [
    [
      'Bounce Permanent/OnAccountSuppressionList: dropped, the address failed',
      {
        file: 'message_bounce_permanent_suppressed.json',
        address: 'gone@example.net',
        expected: { status: 'dropped', lastError: /5\.1\.1/, ledger: { state: 'failed', providerCode: '5.1.1' }, mirror: 'failed', outcomes: ['applied'] },
      },
    ],
    [
      'Bounce Transient/MailboxFull (final soft bounce): deferred, re-sent in 15 minutes',
      {
        file: 'message_bounce_transient_mailboxfull.json',
        address: 'full@example.com',
        expected: {
          status: 'deferred',
          lastError: /4\.2\.2/,
          retryInMinutes: 15,
          ledger: { state: 'soft_bouncing', providerCode: '4.2.2' },
          mirror: 'soft_bouncing',
          outcomes: ['applied'],
        },
      },
    ],
    [
      'Complaint: complained',
      {
        file: 'message_complaint.json',
        address: 'ana@example.com',
        expected: { status: 'complained', lastError: /abuse/, ledger: { state: 'complained', providerCode: null }, mirror: 'complained', outcomes: ['applied'] },
      },
    ],
    [
      'Delivery',
      {
        file: 'message_delivery.json',
        address: 'ana@example.com',
        expected: { status: 'delivered', lastError: null, ledger: { state: 'active', providerCode: null }, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'DeliveryDelay (SES still retrying): logged as no_change, nothing re-scheduled',
      {
        file: 'event_publishing_delivery_delay.json',
        address: 'full@example.com',
        expected: { status: 'sent', lastError: null, ledger: null, mirror: 'active', outcomes: ['no_change'] },
      },
    ],
  ];

  it.each(cases)('%s', async (_, { file, address, expected }) => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address, provider: 'ses', providerMessageId: SES_MESSAGE_ID });
    const from = Date.now();
    const response = await post(snsNotification(payloadJson('ses', file)));
    const to = Date.now();
    expect(response.status).toBe(200);
    await expectMessageState(suite.strapi, seeded, expected, { from, to });
  });

  it.each([
    ['sns_notification_complaint.json', 'complained'],
    ['sns_notification_delivery.json', 'delivered'],
  ])('the sample envelope %s, re-signed now: %s', async (file, status) => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address: 'ana@example.com', provider: 'ses', providerMessageId: SES_MESSAGE_ID });
    const sample = payloadJson<Record<string, string>>('ses', file);
    const envelope = snsSigned({ ...sample, Timestamp: new Date().toISOString(), SigningCertURL: SNS_CERT_URL });
    const response = await post(envelope);
    expect(response.status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe(status);
    const events = await eventRows(suite.strapi);
    expect(events.map((e) => e.eventKey)).toEqual([`ses:${sample.MessageId}:ana@example.com`]);
  });

  it('a notification with a Subject (which SNS signs too) is accepted', async () => {
    const seeded = await seedGone();
    const envelope = snsNotification(JSON.parse(vectors.sns.notification.Message) as JsonObject);
    const withSubject = snsSigned({ ...envelope, Subject: 'Amazon SES Email Event Notification' });
    expect((await post(withSubject)).status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('bounced');
    const unsignedSubject = { ...withSubject, Subject: 'Changed after signing' };
    await expectRefused(() => post(unsignedSubject), 401, /SNS signature does not match/);
  });

  it('the "Successfully validated SNS topic" notification is accepted and stores nothing', async () => {
    const sample = payloadJson<Record<string, string>>('ses', 'sns_notification_success_after_subscribe.json');
    const before = await snapshot(suite.strapi);
    const response = await post(snsSigned({ ...sample, Timestamp: new Date().toISOString(), SigningCertURL: SNS_CERT_URL }));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, received: 0 });
    expect(await snapshot(suite.strapi)).toEqual(before);
  });

  it('one bounce for two recipients: one event each, both addresses failed, both contacts mirrored', async () => {
    const seeded = await seedGone();
    const other = await seedContact(suite.strapi, 'email', 'Also.Gone@Example.net');
    const bounce = JSON.parse(vectors.sns.notification.Message) as JsonObject;
    const details = bounce.bounce as JsonObject;
    const recipients = details.bouncedRecipients as JsonObject[];
    const twoRecipients = { ...bounce, bounce: { ...details, bouncedRecipients: [...recipients, { ...recipients[0], emailAddress: 'ALSO.GONE@example.net' }] } };
    const response = await post(snsNotification(twoRecipients));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: 2 });
    expect(await ledgerRow(suite.strapi, 'email', 'gone@example.net')).toMatchObject({ state: 'failed' });
    expect(await ledgerRow(suite.strapi, 'email', 'also.gone@example.net')).toMatchObject({ state: 'failed' });
    expect((await contactRow(suite.strapi, seeded.contactId)).emailStatus).toBe('failed');
    expect((await contactRow(suite.strapi, other)).emailStatus).toBe('failed');
    const events = await eventRows(suite.strapi);
    expect(events.map((e) => [e.address, e.outcome, e.logDocumentId])).toEqual([
      ['also.gone@example.net', 'unmatched', null],
      ['gone@example.net', 'applied', seeded.log.documentId],
    ]);
  });

  it("a bounce of another recipient of the same SES message (a copy) does not touch this student's message", async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address: 'ana@example.com', provider: 'ses', providerMessageId: SES_MESSAGE_ID });
    expect((await post(snsNotification(payloadJson('ses', 'message_delivery.json')))).status).toBe(200);
    const bounce = JSON.parse(vectors.sns.notification.Message) as JsonObject;
    const details = bounce.bounce as JsonObject;
    const copy = { ...(details.bouncedRecipients as JsonObject[])[0], emailAddress: 'copy@example.net' };
    const response = await post(snsNotification({ ...bounce, bounce: { ...details, bouncedRecipients: [copy] } }));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ unmatched: 1, applied: 0 });
    await expectMessageState(
      suite.strapi,
      seeded,
      { status: 'delivered', lastError: null, ledger: { state: 'active', providerCode: null }, mirror: 'active', outcomes: ['applied'] },
      { from: 0, to: 0 },
    );
    expect(await ledgerRow(suite.strapi, 'email', 'copy@example.net')).toMatchObject({ state: 'failed', providerCode: '5.1.1' });
  });
});
