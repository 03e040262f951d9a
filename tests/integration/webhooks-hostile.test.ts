/**
 * Hostile and odd input through the real, signed webhook endpoints (issue 11): a lone UTF-16
 * surrogate in an event id, timestamps no database can store, and one unreadable event in a batch.
 */
import type { Core } from '@strapi/strapi';
import request from 'supertest';
import { adminToken, databaseFromUrl, type TestApp } from '../helpers/app';
import {
  eventRows,
  mailgunSigned,
  payloadJson,
  postWebhook,
  q,
  SNS_TEST_CERT_PEM,
  snapshot,
  UID,
  vectors,
  type Json,
  type JsonObject,
} from '../helpers/webhooks';
import { signedRequest, webhookSuite, type SignedProvider } from '../helpers/webhook-suite';

const POSTMARK_USER = 'postmark-hook';
const POSTMARK_PASSWORD = 's3cr3t-password';

const PG = process.env.DELIVERABILITY_TEST_PG;
const MYSQL = process.env.DELIVERABILITY_TEST_MYSQL;
if (!PG) console.warn('webhooks-hostile.test.ts: PostgreSQL runs skipped: set DELIVERABILITY_TEST_PG to a PostgreSQL URL to run them.');
if (!MYSQL) console.warn('webhooks-hostile.test.ts: MySQL runs skipped: set DELIVERABILITY_TEST_MYSQL to a MySQL/MariaDB URL to run them.');

/** SQLite always; PostgreSQL and MySQL too when their URLs are given (their columns refuse what SQLite keeps). */
const DATABASES: [string, Record<string, unknown> | undefined][] = [
  ['SQLite', undefined],
  ...(PG ? [['PostgreSQL', databaseFromUrl(PG)] as [string, Record<string, unknown>]] : []),
  ...(MYSQL ? [['MySQL', databaseFromUrl(MYSQL)] as [string, Record<string, unknown>]] : []),
];

let app: TestApp;
let token: string;

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const POSTMARK = { credentials: { user: POSTMARK_USER, password: POSTMARK_PASSWORD } };
/** Posts a payload signed as its provider signs it. */
const postSigned = (provider: SignedProvider, payload: string | Json) => {
  const signed = signedRequest(provider, payload, provider === 'postmark' ? POSTMARK : {});
  return postWebhook(app, signed.path, signed.body, signed.headers);
};
const postSendgrid = (body: string) => postSigned('sendgrid', body);
const postMailgun = (body: JsonObject) => postSigned('mailgun', body);
const postPostmark = (body: string) => postSigned('postmark', body);
const postVonage = (params: Record<string, string>) => postSigned('vonage', params);
const postSes = (message: Json) => postSigned('ses', message);

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

describe.each(DATABASES)('on %s', (label, database) => {
  webhookSuite(
    `webhooks-hostile-${label}`,
    {
      database,
      pluginConfig: {
        providers: {
          sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der },
          mailgun: { signingKey: vectors.mailgun.webhookSigningKey },
          postmark: { user: POSTMARK_USER, password: POSTMARK_PASSWORD },
          vonage: { signatureSecret: vectors.vonage.signatureSecret, signatureMethod: 'sha256' },
          ses: { topicArns: [vectors.sns.notification.TopicArn], fetchCertificate: async () => SNS_TEST_CERT_PEM },
        },
      },
    },
    async (started) => {
      app = started;
      token = await adminToken(app);
    },
  );

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

    it('Mailgun signature token (the replay key), and one longer than its column: 200, then 200 with a duplicate', async () => {
      const delivered = payloadJson('mailgun', 'delivered.json');
      for (const [i, token] of [`probe\ud800${'t'.repeat(40)}`, 't'.repeat(400)].entries()) {
        const body = JSON.stringify(
          mailgunSigned({ ...delivered, 'event-data': { ...(delivered['event-data'] as JsonObject), id: `token-${i}` } }, { token }),
        );
        const send = () => postWebhook(app, 'mailgun', body, { 'Content-Type': 'application/json' });
        const { first, second } = await twice(send);
        expect([first.status, first.body.duplicates]).toEqual([200, 0]);
        expect([second.status, second.body.duplicates]).toEqual([200, 1]);
      }
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

  // ---------------------------------------------------------------------------------------------

  describe('one unreadable event in a batch', () => {
    const unreadableRows = (strapi: Core.Strapi) => q(strapi, UID.event).findMany({ where: { outcome: 'unreadable' } });

    it('SendGrid, 1,000 events with one lacking its email: 200, the 999 stored, the one kept as unreadable', async () => {
      const events = Array.from({ length: 1000 }, (_, i) => sendgridEvent(i));
      delete events[500].email;
      const body = JSON.stringify(events);
      const response = await postSendgrid(body);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ ok: true, received: 999, duplicates: 0, unreadable: 1 });
      expect(await q(app.strapi, UID.event).count({ where: { provider: 'sendgrid', outcome: { $ne: 'unreadable' } } })).toBe(999);

      const [kept] = await unreadableRows(app.strapi);
      expect(kept).toMatchObject({ provider: 'sendgrid', channel: 'email', outcome: 'unreadable' });
      expect(kept.reason).toMatch(/\[500\] has no 'email' string/);
      expect(JSON.parse(String(kept.rawText))).toEqual(events[500]);

      // The admin's unmatched-events page lists it.
      const listed = await request(app.server)
        .get('/deliverability/events/unmatched?outcome=unreadable')
        .set('Authorization', `Bearer ${token}`);
      expect(listed.status).toBe(200);
      expect(listed.body.data.pagination.total).toBe(1);
      expect(listed.body.data.results[0]).toMatchObject({ outcome: 'unreadable', provider: 'sendgrid' });

      // SendGrid sends it again: every event is a duplicate, and the unreadable one is kept once.
      const again = await postSendgrid(body);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ received: 999, duplicates: 999, unreadable: 1 });
      expect(await unreadableRows(app.strapi)).toHaveLength(1);
    });

    it('a batch of 6,000 unreadable events is kept whole', async () => {
      const body = JSON.stringify(Array.from({ length: 6000 }, (_, i) => ({ event: 'delivered', sg_event_id: `u${i}` })));
      const response = await postSendgrid(body);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ received: 0, unreadable: 6000 });
      expect(await q(app.strapi, UID.event).count({ where: { outcome: 'unreadable' } })).toBe(6000);
    });

    it('an unreadable item is kept cut to 4 KB', async () => {
      const body = JSON.stringify([sendgridEvent(1), { event: 'delivered', padding: 'x'.repeat(20_000) }]);
      const response = await postSendgrid(body);
      expect(response.status).toBe(200);
      const [kept] = await unreadableRows(app.strapi);
      expect(String(kept.rawText).length).toBeLessThanOrEqual(4097);
      expect(String(kept.rawText)).toMatch(/^\{"event":"delivered","padding":"xxx/);
    });

    it('SES, a notification for two recipients with one unreadable: 200, one event, one unreadable record', async () => {
      const bounce = payloadJson('ses', 'message_bounce_permanent_suppressed.json');
      const section = bounce.bounce as JsonObject;
      const recipients = section.bouncedRecipients as JsonObject[];
      const message = { ...bounce, bounce: { ...section, bouncedRecipients: [recipients[0], { status: '5.1.1' }] } };
      const response = await postSes(message);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ received: 1, unreadable: 1 });
      const [kept] = await unreadableRows(app.strapi);
      expect(kept).toMatchObject({ provider: 'ses', channel: 'email' });
      expect(kept.reason).toMatch(/recipient \[1\] has no 'emailAddress'/);
    });

    it('a body that cannot be read at all is still refused with 400, writing nothing', async () => {
      const before = await snapshot(app.strapi);
      const response = await postSendgrid('{"not":"an array"}');
      expect(response.status).toBe(400);
      expect(await snapshot(app.strapi)).toEqual(before);
    });

    it('a database failure while keeping the unreadable item: 503, and none of the batch is stored', async () => {
      const withoutEmail = sendgridEvent(2);
      delete withoutEmail.email;
      const body = JSON.stringify([sendgridEvent(1), withoutEmail]);
      const before = await snapshot(app.strapi);
      // Only the write of the unreadable record fails, after the readable event was written: the
      // statement that inserts it throws as it is sent (knex runs its 'query' listeners first).
      const connection = app.strapi.db.connection;
      const failUnreadableInsert = (query: { sql?: string; bindings?: unknown[] }) => {
        if (/^insert into\s+["`]?deliverability_events/i.test(query.sql ?? '') && (query.bindings ?? []).includes('unreadable')) {
          throw new Error('injected fault: the database went away');
        }
      };
      connection.on('query', failUnreadableInsert);
      app.strapi.log.silent = true;
      let failed;
      try {
        failed = await postSendgrid(body);
      } finally {
        connection.off('query', failUnreadableInsert);
        app.strapi.log.silent = false;
      }
      expect(failed.status).toBe(503);
      expect(await snapshot(app.strapi)).toEqual(before);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('bodies far larger than the provider ever sends', () => {
    it('a 100 KB Vonage receipt is refused with 413 before it is parsed, writing nothing', async () => {
      const receipt = { ...payloadJson<Record<string, string>>('vonage', 'dlr_delivered.json'), msisdn: '4'.repeat(100_000) };
      const before = await snapshot(app.strapi);
      const response = await postVonage(receipt);
      expect(response.status).toBe(413);
      expect(await snapshot(app.strapi)).toEqual(before);
    });

    it('a 4 MB pathological address in a signed SendGrid event is stored cut, as unmatched, not matched to anything', async () => {
      const body = JSON.stringify([sendgridEvent(1, { email: `x@${'a.'.repeat(2_000_000)}@` })]);
      const response = await postSendgrid(body);
      expect(response.status).toBe(200);
      const [row] = await eventRows(app.strapi, { provider: 'sendgrid' });
      expect(row.outcome).toBe('unmatched');
      expect(String(row.address).length).toBeLessThanOrEqual(255);
    });
  });
});
