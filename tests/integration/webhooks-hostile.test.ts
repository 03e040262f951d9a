/**
 * Hostile and odd input through the real, signed webhook endpoints (issue 11).
 */
import { startApp, type TestApp } from '../helpers/app';
import {
  eventRows,
  mailgunSigned,
  payloadJson,
  postWebhook,
  resetData,
  sendgridHeaders,
  vectors,
  type JsonObject,
} from '../helpers/webhooks';

let app: TestApp;

beforeAll(async () => {
  app = await startApp('webhooks-hostile', {
    pluginConfig: {
      providers: {
        sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der },
        mailgun: { signingKey: vectors.mailgun.webhookSigningKey },
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
