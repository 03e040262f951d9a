/**
 * Mailgun webhooks against a real Strapi: the signed vector, refusals that write nothing, the
 * one-time-token replay guard, and each sample payload's effect.
 *
 * Mailgun signs `timestamp + token` only, not the event data. A changed body with an unused token
 * therefore verifies; what protects the plugin is the replay guard: once a token has been used,
 * any other body with it is refused.
 */
import {
  contactRow,
  eventRows,
  expectMessageState,
  ledgerRow,
  logRow,
  mailgunSigned,
  payloadJson,
  payloadText,
  postWebhook,
  seedMessage,
  snapshot,
  UID,
  vectors,
  withPluginConfig,
  q,
  type Expected,
  type JsonObject,
} from '../helpers/webhooks';
import { webhookSuite } from '../helpers/webhook-suite';

const MAX_BODY = 64 * 1024;
const TEN_YEARS = 10 * 365 * 24 * 3600;
const MESSAGE_ID = '20251009143158.ab12cd34ef56@mg.example.com';
const JSON_TYPE = { 'Content-Type': 'application/json' };

const suite = webhookSuite('webhooks-mailgun', {
  pluginConfig: { providers: { mailgun: { signingKey: vectors.mailgun.webhookSigningKey } }, webhooks: { maxBodyBytes: MAX_BODY } },
});
const { expectRefused } = suite;

const post = (body: string | JsonObject) => postWebhook(suite.app, 'mailgun', typeof body === 'string' ? body : JSON.stringify(body), JSON_TYPE);
const seedBounce = () => seedMessage(suite.strapi, { channel: 'email', address: 'gone@example.net', provider: 'mailgun', providerMessageId: MESSAGE_ID });


describe('the recorded vector', () => {
  const signedFile = payloadText('mailgun', 'failed_permanent_bounce_signed.json');

  it('verifies: the sample signature is the vector signature', () => {
    const body = JSON.parse(signedFile) as { signature: Record<string, string> };
    expect(body.signature).toEqual({ timestamp: vectors.mailgun.timestamp, token: vectors.mailgun.token, signature: vectors.mailgun.expectedSignatureHex });
  });

  it('is accepted as sent when the signing key is configured', async () => {
    const seeded = await seedBounce();
    const response = await withPluginConfig(suite.app, { webhooks: { maxAgeSeconds: TEN_YEARS } }, () => post(signedFile));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, received: 1, applied: 1 });
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('bounced');
  });

  it('is refused as stale with the default freshness window, writing nothing', async () => {
    await seedBounce();
    await expectRefused(() => post(signedFile), 401, /older than 172800 seconds/);
  });
});

describe('refusals write nothing', () => {
  const bounce = payloadJson('mailgun', 'failed_permanent_bounce_signed.json');
  let seeded: Awaited<ReturnType<typeof seedBounce>>;

  beforeEach(async () => {
    seeded = await seedBounce();
  });

  it('a signed field changed by one byte (the token): 401', async () => {
    const signed = mailgunSigned(bounce);
    const text = JSON.stringify(signed);
    const token = (signed.signature as Record<string, string>).token;
    const changed = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    await expectRefused(() => post(text.replace(token, changed)), 401, /Mailgun signature does not match/);
  });

  it('a signature made with another key: 401', async () => {
    await expectRefused(() => post(mailgunSigned(bounce, { key: 'not-the-signing-key' })), 401, /Mailgun signature does not match/);
  });

  it('a signed timestamp older than the window: 401', async () => {
    const stale = Math.floor(Date.now() / 1000) - 48 * 3600 - 60;
    await expectRefused(() => post(mailgunSigned(bounce, { timestamp: stale })), 401, /older than/);
  });

  it('no signature block: 401', async () => {
    const unsigned: JsonObject = { ...bounce };
    delete unsigned.signature;
    await expectRefused(() => post(unsigned), 401, /missing Mailgun signature/);
  });

  it('a signature block without its signature: 401', async () => {
    const signed = mailgunSigned(bounce);
    const block = { ...(signed.signature as Record<string, string>) };
    delete block.signature;
    await expectRefused(() => post({ ...signed, signature: block }), 401, /missing Mailgun signature/);
  });

  it('no signing key configured: 503 naming the variable to set', async () => {
    await withPluginConfig(suite.app, { providers: { mailgun: { signingKey: undefined } } }, () =>
      expectRefused(() => post(mailgunSigned(bounce)), 503, /DELIVERABILITY_MAILGUN_SIGNING_KEY/),
    );
  });

  it('a body that is not JSON: 400', async () => {
    const text = JSON.stringify(mailgunSigned(bounce));
    await expectRefused(() => post(text.slice(0, -2)), 400, /not valid JSON/);
  });

  it('a validly signed body without event data: 400', async () => {
    const signed = mailgunSigned(bounce);
    delete signed['event-data'];
    await expectRefused(() => post(signed), 400, /Malformed Mailgun payload: .*'event-data'/);
  });

  it(`a body larger than webhooks.maxBodyBytes (${MAX_BODY}): 413`, async () => {
    const big = mailgunSigned({ ...bounce, padding: 'x'.repeat(MAX_BODY) });
    await expectRefused(() => post(big), 413, /larger than/);
  });

  it('the same request, correctly signed, is applied', async () => {
    const response = await post(mailgunSigned(bounce));
    expect(response.status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('bounced');
  });
});

describe('the replay guard (one-time tokens)', () => {
  it('the exact same request twice: 200 both times, and the second changes nothing', async () => {
    const seeded = await seedBounce();
    const body = JSON.stringify(mailgunSigned(payloadJson('mailgun', 'failed_permanent_bounce_signed.json')));
    const first = await post(body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ applied: 1, duplicates: 0 });
    const after = await snapshot(suite.strapi);
    expect(after.receipts).toHaveLength(1);

    const second = await post(body);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ ok: true, received: 1, applied: 0, duplicates: 1 });
    expect(await snapshot(suite.strapi)).toEqual(after);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('bounced');
  });

  it('the same signed token with another body: 401, and nothing changes', async () => {
    const delivered = await seedMessage(suite.strapi, { channel: 'email', address: 'ana@example.com', provider: 'mailgun', providerMessageId: 'other-message' });
    const signed = mailgunSigned(payloadJson('mailgun', 'delivered.json'));
    (signed['event-data'] as JsonObject).message = { headers: { 'message-id': 'other-message' } };
    expect((await post(signed)).status).toBe(200);
    expect((await logRow(suite.strapi, delivered.log.documentId)).status).toBe('delivered');

    // A forger who saw that request re-uses its valid signature block with a hard bounce for the same address.
    const forged = payloadJson('mailgun', 'failed_permanent_bounce_signed.json');
    const forgedData = forged['event-data'] as JsonObject;
    forgedData.recipient = 'ana@example.com';
    forgedData.message = { headers: { 'message-id': 'other-message' } };
    await expectRefused(() => post({ ...forged, signature: signed.signature }), 401, /already used with a different body/);
    expect((await logRow(suite.strapi, delivered.log.documentId)).status).toBe('delivered');
    expect(await ledgerRow(suite.strapi, 'email', 'ana@example.com')).toMatchObject({ state: 'active' });
  });

  it('a body changed by one byte after the genuine request was received: 401', async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address: 'ana@example.com', provider: 'mailgun', providerMessageId: MESSAGE_ID });
    const text = JSON.stringify(mailgunSigned(payloadJson('mailgun', 'delivered.json')));
    expect((await post(text)).status).toBe(200);
    const tampered = text.replace('"code":250', '"code":550');
    expect(tampered).not.toBe(text);
    expect(tampered.length).toBe(text.length);
    await expectRefused(() => post(tampered), 401, /already used/);
    expect(await q(suite.strapi, UID.receipt).count({})).toBe(1);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('delivered');
  });
});

describe('sample payloads', () => {
  const cases: [string, { file: string; address: string; edit?: (data: JsonObject) => void; expected: Expected }][] = [
    [
      'failed/permanent/bounce (hard bounce): Bounced, the address failed',
      {
        file: 'failed_permanent_bounce_signed.json',
        address: 'gone@example.net',
        expected: { status: 'bounced', lastError: /5\.1\.1/, ledger: { state: 'failed', providerCode: '5.1.1' }, mirror: 'failed', outcomes: ['applied'] },
      },
    ],
    [
      'failed/permanent/suppress-bounce (Mailgun would not send): dropped, the address failed',
      {
        file: 'failed_permanent_suppress_bounce.json',
        address: 'gone@example.net',
        expected: { status: 'dropped', lastError: /605/, ledger: { state: 'failed', providerCode: '605' }, mirror: 'failed', outcomes: ['applied'] },
      },
    ],
    [
      'failed/temporary with retry-seconds (Mailgun still retrying): logged as no_change, nothing re-scheduled',
      {
        file: 'failed_temporary.json',
        address: 'ana@corp.example',
        expected: { status: 'sent', lastError: null, ledger: null, mirror: 'active', outcomes: ['no_change'] },
      },
    ],
    [
      'failed/temporary after Mailgun gave up (final soft bounce): deferred, re-sent in 15 minutes',
      {
        file: 'failed_temporary.json',
        address: 'ana@corp.example',
        edit: (data) => {
          delete (data['delivery-status'] as JsonObject)['retry-seconds'];
        },
        expected: {
          status: 'deferred',
          lastError: /4\.7\.500/,
          retryInMinutes: 15,
          ledger: { state: 'soft_bouncing', providerCode: '4.7.500' },
          mirror: 'soft_bouncing',
          outcomes: ['applied'],
        },
      },
    ],
    [
      'delivered',
      {
        file: 'delivered.json',
        address: 'ana@example.com',
        expected: { status: 'delivered', lastError: null, ledger: { state: 'active', providerCode: null }, mirror: 'active', outcomes: ['applied'] },
      },
    ],
    [
      'complained',
      {
        file: 'complained.json',
        address: 'ana@example.com',
        expected: { status: 'complained', lastError: /complained/, ledger: { state: 'complained', providerCode: null }, mirror: 'complained', outcomes: ['applied'] },
      },
    ],
    [
      'unsubscribed: the address unsubscribed, the message status kept',
      {
        file: 'unsubscribed.json',
        address: 'ana@example.com',
        expected: { status: 'sent', lastError: null, ledger: { state: 'unsubscribed', providerCode: null }, mirror: 'unsubscribed', outcomes: ['applied'] },
      },
    ],
  ];

  it.each(cases)('%s', async (_, { file, address, edit, expected }) => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address, provider: 'mailgun', providerMessageId: MESSAGE_ID });
    const body = payloadJson('mailgun', file);
    edit?.(body['event-data'] as JsonObject);
    const from = Date.now();
    const response = await post(mailgunSigned(body));
    const to = Date.now();
    expect(response.status).toBe(200);
    await expectMessageState(suite.strapi, seeded, expected, { from, to });
  });

  it('an event that matches no message updates the ledger and the contact, kept as unmatched', async () => {
    const seeded = await seedMessage(suite.strapi, { channel: 'email', address: 'gone@example.net', provider: 'mailgun', providerMessageId: 'another-message' });
    const response = await post(mailgunSigned(payloadJson('mailgun', 'failed_permanent_bounce_signed.json')));
    expect(response.status).toBe(200);
    expect((await logRow(suite.strapi, seeded.log.documentId)).status).toBe('sent');
    expect(await ledgerRow(suite.strapi, 'email', 'gone@example.net')).toMatchObject({ state: 'failed', providerCode: '5.1.1' });
    expect((await contactRow(suite.strapi, seeded.contactId)).emailStatus).toBe('failed');
    expect((await eventRows(suite.strapi)).map((e) => e.outcome)).toEqual(['unmatched']);
  });
});
