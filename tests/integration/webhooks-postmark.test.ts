/**
 * Postmark webhooks against a real Strapi. Postmark signs nothing: the webhook URL carries HTTP
 * Basic credentials, which it sends as an Authorization header. So there is no signed timestamp to
 * go stale and no signature over the body; what is checked is the credentials.
 */
import {
  basicAuth,
  expectMessageState,
  ledgerRow,
  logRow,
  payloadJson,
  payloadText,
  postWebhook,
  seedMessage,
  withPluginConfig,
  type Expected,
  type JsonObject,
} from '../helpers/webhooks';
import { webhookSuite } from '../helpers/webhook-suite';

const MAX_BODY = 64 * 1024;
const USER = 'postmark-hook';
const PASSWORD = 's3cr3t-password';

const suite = webhookSuite('webhooks-postmark', {
  pluginConfig: { providers: { postmark: { user: USER, password: PASSWORD } }, webhooks: { maxBodyBytes: MAX_BODY } },
});
const { expectRefused } = suite;

const post = (body: string, authorization?: string) =>
  postWebhook(suite.app, 'postmark', body, { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) });
const AUTH = basicAuth(USER, PASSWORD);


const seedHardBounce = () =>
  seedMessage(suite.strapi, { channel: 'email', address: 'gone@example.net', provider: 'postmark', providerMessageId: '883953f4-6105-42a2-a16a-77a8eac79483' });

describe('the recorded request', () => {
  it('is accepted with the Authorization header Postmark sent for https://postmark-hook:s3cr3t-password@…', async () => {
    const header = /^Authorization: (.+)$/m.exec(payloadText('postmark', 'request_headers.txt'))?.[1];
    expect(header).toBe(AUTH);
    const seeded = await seedHardBounce();
    const response = await post(payloadText('postmark', 'bounce_hard.json'), header);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, received: 1, applied: 1 });
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('bounced');
  });
});

describe('refusals write nothing', () => {
  const body = payloadText('postmark', 'bounce_hard.json');
  let seeded: Awaited<ReturnType<typeof seedHardBounce>>;

  beforeEach(async () => {
    seeded = await seedHardBounce();
  });

  it('a wrong password: 401', async () => {
    await expectRefused(() => post(body, basicAuth(USER, 's3cr3t-passwore')), 401, /credentials do not match/);
  });

  it('a wrong user: 401', async () => {
    await expectRefused(() => post(body, basicAuth('someone', PASSWORD)), 401, /credentials do not match/);
  });

  it('no credentials: 401', async () => {
    await expectRefused(() => post(body), 401, /missing HTTP Basic credentials/);
  });

  it('credentials that are not HTTP Basic: 401', async () => {
    await expectRefused(() => post(body, `Bearer ${PASSWORD}`), 401, /not HTTP Basic/);
  });

  it('no credentials configured: 503 naming both variables to set', async () => {
    await withPluginConfig(suite.app, { providers: { postmark: { user: undefined, password: undefined } } }, () =>
      expectRefused(() => post(body, AUTH), 503, /DELIVERABILITY_POSTMARK_WEBHOOK_USER and DELIVERABILITY_POSTMARK_WEBHOOK_PASSWORD/),
    );
  });

  it('only a user configured: 503', async () => {
    await withPluginConfig(suite.app, { providers: { postmark: { password: undefined } } }, () =>
      expectRefused(() => post(body, AUTH), 503, /DELIVERABILITY_POSTMARK_WEBHOOK_PASSWORD/),
    );
  });

  it('good credentials with a body that is not JSON: 400', async () => {
    await expectRefused(() => post(body.slice(0, -3), AUTH), 400, /Malformed Postmark payload: Postmark body is not valid JSON/);
  });

  it('good credentials with a body that has no RecordType: 400', async () => {
    const json = payloadJson('postmark', 'bounce_hard.json');
    delete json.RecordType;
    await expectRefused(() => post(JSON.stringify(json), AUTH), 400, /no 'RecordType'/);
  });

  it(`a body larger than webhooks.maxBodyBytes (${MAX_BODY}): 413`, async () => {
    const big = JSON.stringify({ ...payloadJson('postmark', 'bounce_hard.json'), Content: 'x'.repeat(MAX_BODY) });
    await expectRefused(() => post(big, AUTH), 413, /larger than/);
  });

  it('the same request with the right credentials is applied', async () => {
    expect((await post(body, AUTH)).status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('bounced');
  });
});

describe('sample payloads', () => {
  const cases: [string, { file: string; address: string; messageId: string; expected: Expected }][] = [
    [
      'HardBounce: Bounced, the address failed',
      {
        file: 'bounce_hard.json',
        address: 'gone@example.net',
        messageId: '883953f4-6105-42a2-a16a-77a8eac79483',
        expected: { status: 'bounced', lastError: /5\.1\.1/, ledger: { state: 'failed', providerCode: '5.1.1' }, mirror: 'failed', outcomes: ['applied'] },
      },
    ],
    [
      'SoftBounce (mailbox full, final): deferred, re-sent in 15 minutes',
      {
        file: 'bounce_soft.json',
        address: 'full@example.com',
        messageId: '6f3c0b2e-2c6f-4a8e-9d33-0b5e9c1a7f21',
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
      'Transient (final): deferred, re-sent in 15 minutes',
      {
        file: 'bounce_transient.json',
        address: 'ana@corp.example',
        messageId: '1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5',
        expected: {
          status: 'deferred',
          lastError: /4\.4\.2/,
          retryInMinutes: 15,
          ledger: { state: 'soft_bouncing', providerCode: '4.4.2' },
          mirror: 'soft_bouncing',
          outcomes: ['applied'],
        },
      },
    ],
    [
      'Delivery',
      {
        file: 'delivery.json',
        address: 'ana@example.com',
        messageId: '0a129aee-e1cd-480d-b08d-4f48548ff48d',
        expected: { status: 'delivered', lastError: null, ledger: { state: 'active', providerCode: null }, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'SpamComplaint: complained',
      {
        file: 'spam_complaint.json',
        address: 'ana@example.com',
        messageId: '0a129aee-e1cd-480d-b08d-4f48548ff48d',
        expected: { status: 'complained', lastError: /100001/, ledger: { state: 'complained', providerCode: '100001' }, mirror: 'complained', outcomes: ['applied'] },
      },
    ],
    [
      'SubscriptionChange (suppressed after a hard bounce): dropped, the address failed',
      {
        file: 'subscription_change_hard_bounce.json',
        address: 'gone@example.net',
        messageId: '883953f4-6105-42a2-a16a-77a8eac79483',
        expected: { status: 'dropped', lastError: /HardBounce/, ledger: { state: 'failed', providerCode: 'HardBounce' }, mirror: 'failed', outcomes: ['applied'] },
      },
    ],
  ];

  it.each(cases)('%s', async (_, { file, address, messageId, expected }) => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address, provider: 'postmark', providerMessageId: messageId });
    const from = Date.now();
    const response = await post(payloadText('postmark', file), AUTH);
    const to = Date.now();
    expect(response.status).toBe(200);
    await expectMessageState(suite.strapi, seeded, expected, { from, to });
  });

  it('a hard bounce followed by its SubscriptionChange: still Bounced, the ledger keeps the bounce that decided it', async () => {
    const seeded = await seedHardBounce();
    expect((await post(payloadText('postmark', 'bounce_hard.json'), AUTH)).status).toBe(200);
    expect((await post(payloadText('postmark', 'subscription_change_hard_bounce.json'), AUTH)).status).toBe(200);
    await expectMessageState(
      suite.strapi,
      seeded,
      { status: 'bounced', lastError: /5\.1\.1/, ledger: { state: 'failed', providerCode: '5.1.1' }, mirror: 'failed', outcomes: ['applied', 'no_change'] },
      { from: 0, to: 0 },
    );
    expect(await ledgerRow(suite.strapi, 'email', 'gone@example.net')).toMatchObject({ stateEventKey: 'postmark:Bounce:4323372036' });
  });

  it('an Open (not a delivery fact) is kept as ignored and changes nothing', async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address: 'ana@example.com', provider: 'postmark', providerMessageId: '0a129aee-e1cd-480d-b08d-4f48548ff48d' });
    const open: JsonObject = { RecordType: 'Open', MessageID: '0a129aee-e1cd-480d-b08d-4f48548ff48d', Recipient: 'ana@example.com', ReceivedAt: '2025-10-09T15:00:00Z' };
    const response = await post(JSON.stringify(open), AUTH);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ignored: 1, applied: 0 });
    await expectMessageState(suite.strapi, seeded, { status: 'sent', lastError: null, ledger: null, mirror: 'active', outcomes: ['ignored'] }, { from: 0, to: 0 });
  });
});
