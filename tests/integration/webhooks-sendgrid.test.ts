/**
 * SendGrid Event Webhook against a real Strapi: the signed vector, every refusal (which must write
 * nothing), and each sample payload's effect on the message, the address ledger and the contact.
 */
import {
  contactRow,
  eventRows,
  expectMessageState,
  ledgerRow,
  logRow,
  otherEcPrivateKeyPem,
  payloadJson,
  payloadText,
  postWebhook,
  seedContact,
  seedMessage,
  sendgridHeaders,
  SENDGRID_SIGNATURE,
  SENDGRID_TIMESTAMP,
  snapshot,
  vectors,
  withPluginConfig,
  type Expected,
  type JsonObject,
} from '../helpers/webhooks';
import { webhookSuite } from '../helpers/webhook-suite';

const MAX_BODY = 64 * 1024;
const TEN_YEARS = 10 * 365 * 24 * 3600;

const suite = webhookSuite('webhooks-sendgrid', {
  pluginConfig: { providers: { sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der } }, webhooks: { maxBodyBytes: MAX_BODY } },
});

const post = (body: string | Buffer, headers: Record<string, string>) => postWebhook(suite.app, 'sendgrid', body, headers);

describe('the recorded vector', () => {
  const seedVectorMessages = async () => ({
    delivered: await seedMessage(suite.strapi, { channel: 'email', address: 'ana@example.com', provider: 'sendgrid', providerMessageId: 'aB3dEfGhIj' }),
    bounced: await seedMessage(suite.strapi, { channel: 'email', address: 'ghost@example.org', provider: 'sendgrid', providerMessageId: 'kL4mNoPqRs' }),
  });

  it('is accepted with its own bytes, timestamp and signature when the key is configured', async () => {
    const { delivered, bounced } = await seedVectorMessages();
    const response = await withPluginConfig(suite.app, { webhooks: { maxAgeSeconds: TEN_YEARS } }, () =>
      post(vectors.sendgrid.rawBodyJsonString, { 'Content-Type': 'application/json;charset=utf-8', ...vectors.sendgrid.headers }),
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, received: 2, applied: 2, duplicates: 0 });
    expect((await logRow(suite.strapi, delivered.log.documentId)).status).toBe('delivered');
    expect((await logRow(suite.strapi, bounced.log.documentId)).status).toBe('bounced');
  });

  it('is refused as stale with the default freshness window, writing nothing', async () => {
    await seedVectorMessages();
    const before = await snapshot(suite.strapi);
    const response = await post(vectors.sendgrid.rawBodyJsonString, { 'Content-Type': 'application/json', ...vectors.sendgrid.headers });
    expect(response.status).toBe(401);
    expect(response.body.error).toMatch(/older than 172800 seconds/);
    expect(await snapshot(suite.strapi)).toEqual(before);
  });
});

describe('refusals write nothing', () => {
  const body = payloadText('sendgrid', 'bounce_hard.json');
  let seeded: Awaited<ReturnType<typeof seedMessage>>;

  beforeEach(async () => {
    seeded = await seedMessage(suite.strapi, { channel: 'email', address: 'ghost@example.org', provider: 'sendgrid', providerMessageId: 'Pq7rStUvWx' });
  });

  async function expectRefused(send: () => Promise<{ status: number; body: { ok: boolean; error?: string } }>, status: number, error: RegExp) {
    const before = await snapshot(suite.strapi);
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body.ok).toBe(false);
    expect(response.body.error).toMatch(error);
    expect(await snapshot(suite.strapi)).toEqual(before);
  }

  it('a body changed by one byte after signing: 401', async () => {
    const headers = sendgridHeaders(body);
    const tampered = body.replace('"status": "5.1.1"', '"status": "5.1.2"');
    expect(tampered).not.toBe(body);
    expect(Buffer.byteLength(tampered)).toBe(Buffer.byteLength(body));
    await expectRefused(() => post(tampered, headers), 401, /signature does not match/);
  });

  it('a signature made with another key: 401', async () => {
    await expectRefused(() => post(body, sendgridHeaders(body, { privateKeyPem: otherEcPrivateKeyPem() })), 401, /signature does not match/);
  });

  it('a signed timestamp older than the window (48 h by default): 401', async () => {
    const stale = Math.floor(Date.now() / 1000) - 48 * 3600 - 60;
    await expectRefused(() => post(body, sendgridHeaders(body, { timestamp: stale })), 401, /older than/);
  });

  it('a signed timestamp far in the future: 401', async () => {
    const future = Math.floor(Date.now() / 1000) + 3600;
    await expectRefused(() => post(body, sendgridHeaders(body, { timestamp: future })), 401, /in the future/);
  });

  it('the timestamp header changed after signing: 401', async () => {
    const headers = sendgridHeaders(body);
    headers[SENDGRID_TIMESTAMP] = String(Number(headers[SENDGRID_TIMESTAMP]) - 1);
    await expectRefused(() => post(body, headers), 401, /signature does not match/);
  });

  it('no signature header: 401', async () => {
    const headers = sendgridHeaders(body);
    delete headers[SENDGRID_SIGNATURE];
    await expectRefused(() => post(body, headers), 401, /missing SendGrid signature/);
  });

  it('no timestamp header: 401', async () => {
    const headers = sendgridHeaders(body);
    delete headers[SENDGRID_TIMESTAMP];
    await expectRefused(() => post(body, headers), 401, /missing SendGrid signature or timestamp/);
  });

  it('no verification key configured: 503 naming the variable to set', async () => {
    await withPluginConfig(suite.app, { providers: { sendgrid: { publicKey: undefined } } }, () =>
      expectRefused(() => post(body, sendgridHeaders(body)), 503, /DELIVERABILITY_SENDGRID_PUBLIC_KEY/),
    );
  });

  it('a valid signature over a body that is not JSON: 400', async () => {
    const broken = body.slice(0, -10);
    await expectRefused(() => post(broken, sendgridHeaders(broken)), 400, /Malformed SendGrid payload: SendGrid body is not valid JSON/);
  });

  it('a valid signature over JSON that is not an array of events: 400', async () => {
    const single = JSON.stringify(payloadJson<JsonObject[]>('sendgrid', 'bounce_hard.json')[0]);
    await expectRefused(() => post(single, sendgridHeaders(single)), 400, /not a JSON array/);
  });

  it('a valid signature over a batch with one event without its email: 200, the rest applied, that one kept as unreadable', async () => {
    // Issue 11: this used to refuse the whole batch with 400, losing every good event in it.
    const events = payloadJson<JsonObject[]>('sendgrid', 'bounce_hard.json');
    const withoutEmail: JsonObject = { ...events[0], sg_event_id: 'no-email' };
    delete withoutEmail.email;
    const batch = JSON.stringify([events[0], withoutEmail]);
    const response = await post(batch, sendgridHeaders(batch));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, received: 1, applied: 1, unreadable: 1 });
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('bounced');
    const kept = await eventRows(suite.strapi, { outcome: 'unreadable' });
    expect(kept).toHaveLength(1);
    expect(kept[0].reason).toMatch(/\[1\] has no 'email' string/);
  });

  it(`a body larger than webhooks.maxBodyBytes (${MAX_BODY}): 413`, async () => {
    const events = payloadJson<JsonObject[]>('sendgrid', 'bounce_hard.json');
    const big = JSON.stringify([{ ...events[0], padding: 'x'.repeat(MAX_BODY) }]);
    await expectRefused(() => post(big, sendgridHeaders(big)), 413, new RegExp(`larger than the ${MAX_BODY} bytes`));
  });

  it('the same request, correctly signed, is applied (so the refusals above were of a request that mattered)', async () => {
    const response = await post(body, sendgridHeaders(body));
    expect(response.status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('bounced');
  });
});

describe('sample payloads', () => {
  interface Case {
    file: string;
    address: string;
    expected: Expected;
  }
  const cases: [string, Case][] = [
    [
      'delivered: the message is delivered, the address active',
      {
        file: 'delivered.json',
        address: 'ana@example.com',
        expected: { status: 'delivered', lastError: null, ledger: { state: 'active', providerCode: null }, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'deferred (SendGrid still retrying): logged as no_change, nothing re-scheduled',
      {
        file: 'deferred.json',
        address: 'ana@example.com',
        expected: { status: 'sent', lastError: null, ledger: null, mirror: 'active', outcomes: ['no_change'] },
      },
    ],
    [
      'bounce/blocked for reputation (a block of the sender): deferred, re-sent in 15 minutes, the address left alone',
      {
        file: 'bounce_blocked_soft.json',
        address: 'ana@corp.example',
        expected: {
          status: 'deferred',
          lastError: /5\.7\.1/,
          retryInMinutes: 15,
          ledger: null,
          mirror: 'active',
          outcomes: ['applied'],
        },
      },
    ],
    [
      'bounce (hard): the log shows Bounced, the address is failed',
      {
        file: 'bounce_hard.json',
        address: 'ghost@example.org',
        expected: { status: 'bounced', lastError: /5\.1\.1/, ledger: { state: 'failed', providerCode: '5.1.1' }, mirror: 'failed', outcomes: ['applied'] },
      },
    ],
    [
      'dropped (Bounced Address): the message is dropped, the address failed',
      {
        file: 'dropped.json',
        address: 'ghost@example.org',
        expected: { status: 'dropped', lastError: /5\.0\.0 Bounced Address/, ledger: { state: 'failed', providerCode: '5.0.0' }, mirror: 'failed', outcomes: ['applied'] },
      },
    ],
    [
      'spamreport: complained',
      {
        file: 'spamreport.json',
        address: 'ana@example.com',
        expected: { status: 'complained', lastError: /spamreport/, ledger: { state: 'complained', providerCode: null }, mirror: 'complained', outcomes: ['applied'] },
      },
    ],
  ];

  it.each(cases)('%s', async (_, { file, address, expected }) => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address, provider: 'sendgrid', providerMessageId: 'Pq7rStUvWx' });
    const body = payloadText('sendgrid', file);
    const from = Date.now();
    const response = await post(body, sendgridHeaders(body));
    const to = Date.now();
    expect(response.status).toBe(200);
    await expectMessageState(suite.strapi, seeded, expected, { from, to });
  });

  it("unsubscribe and group_unsubscribe: both addresses unsubscribed, the message status kept, the other recipient's event unmatched", async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address: 'ana@example.com', provider: 'sendgrid', providerMessageId: 'Pq7rStUvWx' });
    const bob = await seedContact(suite.strapi, 'email', 'bob@example.com');
    const body = payloadText('sendgrid', 'unsubscribe.json');
    const response = await post(body, sendgridHeaders(body));
    expect(response.status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('sent');
    expect(await ledgerRow(suite.strapi, 'email', 'ana@example.com')).toMatchObject({ state: 'unsubscribed' });
    expect(await ledgerRow(suite.strapi, 'email', 'bob@example.com')).toMatchObject({ state: 'unsubscribed' });
    expect((await contactRow(suite.strapi, seeded.contactId)).emailStatus).toBe('unsubscribed');
    expect((await contactRow(suite.strapi, bob)).emailStatus).toBe('unsubscribed');
    // Both events carry the same sg_message_id; the log is ana's message, so bob's event is not its.
    const events = await eventRows(suite.strapi);
    expect(events.map((e) => [e.address, e.outcome, e.logDocumentId])).toEqual([
      ['ana@example.com', 'applied', seeded.log.documentId],
      ['bob@example.com', 'unmatched', null],
    ]);
  });

  it('a hard bounce that matches no message still fails the address and its contact, and is kept as unmatched', async () => {
    const contactId = await seedContact(suite.strapi, 'email', 'ghost@example.org');
    const body = payloadText('sendgrid', 'bounce_hard.json');
    const response = await post(body, sendgridHeaders(body));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: 1, unmatched: 1, applied: 0 });
    expect(await ledgerRow(suite.strapi, 'email', 'ghost@example.org')).toMatchObject({ state: 'failed', providerCode: '5.1.1', provider: 'sendgrid' });
    const contact = await contactRow(suite.strapi, contactId);
    expect(contact.emailStatus).toBe('failed');
    expect(contact.emailStatusReason).toMatch(/Hard bounce from SendGrid/);
    const events = await eventRows(suite.strapi);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'unmatched', logDocumentId: null, kind: 'hard_bounce', rawCode: '5.1.1', address: 'ghost@example.org' });
  });

  it("finds the message by the plugin's own custom arg when SendGrid's message id is not known", async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address: 'ana@example.com', provider: 'sendgrid', providerMessageId: null });
    const events = payloadJson<JsonObject[]>('sendgrid', 'delivered.json');
    const body = JSON.stringify([{ ...events[0], deliverability_id: seeded.log.documentId, deliverability_attempt: '1' }]);
    const response = await post(body, sendgridHeaders(body));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ applied: 1, unmatched: 0 });
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('delivered');
  });
});
