/**
 * Hostile and odd input through the real, signed webhook endpoints (issue 11): a lone UTF-16
 * surrogate in an event id, and timestamps no database can store.
 */
import { startApp, type TestApp } from '../helpers/app';
import {
  basicAuth,
  eventRows,
  mailgunSigned,
  payloadJson,
  postWebhook,
  resetData,
  sendgridHeaders,
  vectors,
  vonageSigned,
  type JsonObject,
} from '../helpers/webhooks';

const POSTMARK_USER = 'postmark-hook';
const POSTMARK_PASSWORD = 's3cr3t-password';

let app: TestApp;

beforeAll(async () => {
  app = await startApp('webhooks-hostile', {
    pluginConfig: {
      providers: {
        sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der },
        mailgun: { signingKey: vectors.mailgun.webhookSigningKey },
        postmark: { user: POSTMARK_USER, password: POSTMARK_PASSWORD },
        vonage: { signatureSecret: vectors.vonage.signatureSecret, signatureMethod: 'sha256' },
      },
    },
  });
});

afterAll(async () => {
  await app?.stop();
});

beforeEach(async () => {
  await resetData(app.strapi);
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const postSendgrid = (body: string) => postWebhook(app, 'sendgrid', body, sendgridHeaders(body));
const postMailgun = (body: JsonObject) => postWebhook(app, 'mailgun', JSON.stringify(mailgunSigned(body)), { 'Content-Type': 'application/json' });
const postPostmark = (body: string) =>
  postWebhook(app, 'postmark', body, { 'Content-Type': 'application/json', Authorization: basicAuth(POSTMARK_USER, POSTMARK_PASSWORD) });
const postVonage = (params: Record<string, string>) => postWebhook(app, 'vonage', JSON.stringify(vonageSigned(params)), { 'Content-Type': 'application/json' });

function sendgridEvent(index: number, extra: JsonObject = {}): JsonObject {
  return {
    email: `student${index}@example.com`,
    timestamp: nowSeconds() - 60,
    event: 'delivered',
    sg_event_id: `evt-${index}`,
    sg_message_id: `msg${index}.filter0001.1.0`,
    response: '250 OK',
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------

describe('a lone UTF-16 surrogate in an event id', () => {
  const twice = async (send: () => Promise<{ status: number; body: JsonObject }>) => {
    const first = await send();
    const second = await send();
    return { first, second };
  };

  it('SendGrid sg_event_id: 200, then 200 with the redelivery counted as a duplicate (not 503)', async () => {
    // JSON.stringify writes the lone surrogate as the escape `\ud800`, as a prober would.
    const body = JSON.stringify([sendgridEvent(1, { sg_event_id: 'probe-x\ud800' })]);
    expect(body).toContain('probe-x\\ud800');
    const { first, second } = await twice(() => postSendgrid(body));
    expect([first.status, first.body.received, first.body.duplicates]).toEqual([200, 1, 0]);
    expect([second.status, second.body.received, second.body.duplicates]).toEqual([200, 1, 1]);
    const rows = await eventRows(app.strapi, { provider: 'sendgrid' });
    expect(rows.map((row) => row.eventKey)).toEqual(['sendgrid:probe-x\uFFFD']);
  });

  it('Postmark ID: 200, then 200 with a duplicate', async () => {
    const bounce = { ...payloadJson('postmark', 'bounce_hard.json'), ID: 'probe-\udc00x' };
    const body = JSON.stringify(bounce);
    const { first, second } = await twice(() => postPostmark(body));
    expect([first.status, first.body.duplicates]).toEqual([200, 0]);
    expect([second.status, second.body.duplicates]).toEqual([200, 1]);
    expect(await eventRows(app.strapi, { provider: 'postmark' })).toHaveLength(1);
  });

  it('Vonage messageId: 200, then 200 with a duplicate', async () => {
    const receipt = { ...payloadJson<Record<string, string>>('vonage', 'dlr_delivered.json'), messageId: 'probe\ud800' };
    const { first, second } = await twice(() => postVonage(receipt));
    expect([first.status, first.body.duplicates]).toEqual([200, 0]);
    expect([second.status, second.body.duplicates]).toEqual([200, 1]);
    const rows = await eventRows(app.strapi, { provider: 'vonage' });
    expect(rows).toHaveLength(1);
    expect(rows[0].providerMessageId).toBe('probe\uFFFD');
  });
});

// ---------------------------------------------------------------------------------------------

describe('timestamps no database can store', () => {
  const HOSTILE = [1e308, 1.2e29, 99999999999999];

  it('SendGrid: each such event takes the receipt time, and keeps the value it came with in its raw text', async () => {
    const before = Date.now();
    const body = JSON.stringify(HOSTILE.map((timestamp, i) => sendgridEvent(i, { timestamp })));
    const response = await postSendgrid(body);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: 3, duplicates: 0 });
    const rows = await eventRows(app.strapi, { provider: 'sendgrid' });
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.occurredAt).not.toBeNull();
      const at = new Date(row.occurredAt as string).getTime();
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    }
    const texts = rows.map((row) => String(row.rawText)).join('\n');
    for (const raw of ['1e+308', '1.2e+29', '99999999999999']) expect(texts).toContain(raw);
  });

  it('Mailgun: the same', async () => {
    const before = Date.now();
    for (const [i, timestamp] of HOSTILE.entries()) {
      const delivered = payloadJson('mailgun', 'delivered.json');
      const data = { ...(delivered['event-data'] as JsonObject), id: `hostile-${i}`, timestamp };
      const response = await postMailgun({ ...delivered, 'event-data': data });
      expect(response.status).toBe(200);
    }
    const rows = await eventRows(app.strapi, { provider: 'mailgun' });
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.occurredAt).not.toBeNull();
      expect(new Date(row.occurredAt as string).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(String(row.rawText)).toMatch(/unusable timestamp/);
    }
  });
});
