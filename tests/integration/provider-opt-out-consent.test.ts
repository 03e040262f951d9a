/**
 * Opt-outs that the provider reports (Twilio's error 21610, Vonage's error 9) go into the number's
 * consent history, through the real signed status-callback endpoints: one row for the report that
 * opted the number out, none for reports that change nothing, and none doubled by an inbound STOP.
 * The same write raced with real parallel callbacks on PostgreSQL and MariaDB, on a busy machine.
 */
import request from 'supertest';
import { adminToken, type TestAppOptions } from '../helpers/app';
import { onBusyMachine } from '../helpers/busy-machine';
import { createServerDatabase, serverKinds, type ServerDatabase } from '../helpers/databases';
import { signedRequest, webhookSuite, type WebhookSuite } from '../helpers/webhook-suite';
import {
  ledgerRow,
  logRow,
  payloadJson,
  payloadRequestBody,
  q,
  seedMessage,
  UID,
  vectors,
  vonageSigned,
  WEBHOOKS,
} from '../helpers/webhooks';

const PUBLIC_URL = new URL(vectors.twilio.url).origin;
const TWILIO_URL = `${PUBLIC_URL}${WEBHOOKS}/twilio`;
const TWILIO_TOKEN = vectors.twilio.authToken;
const PLUGIN_CONFIG = {
  publicUrl: PUBLIC_URL,
  providers: {
    twilio: { authToken: TWILIO_TOKEN },
    vonage: { signatureSecret: vectors.vonage.signatureSecret, signatureMethod: 'sha256' },
  },
};

let sequence = 0;
const nextNumber = (): string => `+1500555${String(1000 + (sequence += 1)).slice(-4)}`;
const nextSid = (): string => `SM${Date.now().toString(16)}${String((sequence += 1)).padStart(8, '0')}`.padEnd(34, '0');

/** Twilio's status callback for `sid`: failed with 21610 (the recipient had replied STOP to Twilio), signed. */
function twilio21610(sid: string, to: string) {
  const params = new URLSearchParams(payloadRequestBody('twilio', 'undelivered_30007_filtered.txt'));
  for (const [name, value] of Object.entries({
    MessageSid: sid,
    SmsSid: sid,
    To: to,
    MessageStatus: 'failed',
    SmsStatus: 'failed',
    ErrorCode: '21610',
  }))
    params.set(name, value);
  return signedRequest('twilio', params.toString(), { publicUrl: TWILIO_URL, secret: TWILIO_TOKEN });
}

/** A student's STOP texted to the site's number (Twilio's inbound webhook), signed. */
function twilioStop(from: string) {
  const form = new URLSearchParams({ MessageSid: nextSid(), From: from, To: '+15005550000', Body: 'STOP' }).toString();
  return signedRequest('twilio', form, { publicUrl: TWILIO_URL, query: '/inbound', secret: TWILIO_TOKEN });
}

const seedTwilio = async (suite: WebhookSuite, number: string, sid: string) =>
  (await seedMessage(suite.strapi, { channel: 'sms', address: number, provider: 'twilio', providerMessageId: sid })).log;
const consents = (suite: WebhookSuite, number: string) =>
  q(suite.strapi, UID.consent).findMany({ where: { address: number }, orderBy: { id: 'asc' } });

describe('provider-reported opt-outs on SQLite', () => {
  const suite = webhookSuite('provider-opt-out-consent', { pluginConfig: PLUGIN_CONFIG });

  it('Twilio 21610 on a status callback opts the number out and writes one consent row, reported by Twilio', async () => {
    const number = nextNumber();
    const sid = nextSid();
    const log = await seedTwilio(suite, number, sid);
    const response = await suite.send(twilio21610(sid, number));
    expect(response.status).toBe(200);
    expect((await ledgerRow(suite.strapi, 'sms', number))?.state).toBe('opted_out');
    expect((await logRow(suite.strapi, log.documentId)).status).toBe('failed');
    expect(await consents(suite, number)).toEqual([
      expect.objectContaining({
        channel: 'sms',
        action: 'opt_out',
        via: 'provider_report',
        actor: 'student',
        words: null,
        provider: 'twilio',
      }),
    ]);
  });

  it('reported twice (the same callback again, then 21610 for another message): still one row', async () => {
    const number = nextNumber();
    const [first, second] = [nextSid(), nextSid()];
    await seedTwilio(suite, number, first);
    await seedTwilio(suite, number, second);
    const callback = twilio21610(first, number);
    expect((await suite.send(callback)).status).toBe(200);
    expect((await suite.send(callback)).body).toMatchObject({ duplicates: 1 });
    expect((await suite.send(twilio21610(second, number))).body).toMatchObject({ applied: 1 });
    expect(await consents(suite, number)).toHaveLength(1);
  });

  it('after the student’s own STOP, a 21610 adds nothing: the STOP row with the words is the record', async () => {
    const number = nextNumber();
    const sid = nextSid();
    await seedTwilio(suite, number, sid);
    expect((await suite.send(twilioStop(number))).body).toMatchObject({ ok: true, intent: 'opt_out' });
    expect((await suite.send(twilio21610(sid, number))).status).toBe(200);
    expect((await consents(suite, number)).map((row) => [row.via, row.words])).toEqual([['sms_keyword', 'STOP']]);
  });

  it('Vonage error 9 (the recipient asked not to receive messages) is the same: one row, reported by Vonage', async () => {
    const params: Record<string, string> = {
      ...payloadJson<Record<string, string>>('vonage', 'dlr_failed_err3_signed_hmac_sha256.json'),
      'err-code': '9',
      messageId: `0C${Date.now()}`,
    };
    const number = `+${params.msisdn}`;
    await seedMessage(suite.strapi, { channel: 'sms', address: number, provider: 'vonage', providerMessageId: params.messageId });
    const response = await suite.send({
      path: 'vonage',
      body: JSON.stringify(vonageSigned(params)),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect((await ledgerRow(suite.strapi, 'sms', number))?.state).toBe('opted_out');
    expect(await consents(suite, number)).toEqual([
      expect.objectContaining({ action: 'opt_out', via: 'provider_report', provider: 'vonage' }),
    ]);
  });

  it('the admin’s consent history shows it', async () => {
    const number = nextNumber();
    const sid = nextSid();
    await seedTwilio(suite, number, sid);
    await suite.send(twilio21610(sid, number));
    const token = await adminToken(suite.app);
    const response = await request(suite.app.server)
      .get('/deliverability/consent')
      .query({ channel: 'sms', address: number })
      .set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([
      expect.objectContaining({ action: 'opt_out', via: 'provider_report', provider: 'twilio', address: number }),
    ]);
  });
});

const kinds = serverKinds('provider-opt-out-consent.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as const]);

describeEach('provider-reported opt-outs raced on %s', (kind) => {
  const options: TestAppOptions = { pluginConfig: PLUGIN_CONFIG };
  let server: ServerDatabase | null = null;
  beforeAll(async () => {
    server = await createServerDatabase(kind as 'postgres' | 'mysql', 'opt_out_consent');
    options.database = server.strapiConnection;
  });
  const racing = webhookSuite(`provider-opt-out-consent-${kind}`, options);
  afterAll(async () => {
    await server?.drop();
  });

  it('eight messages to one number reported 21610 at once, each callback twice: opted out, one consent row', async () => {
    const number = nextNumber();
    const sids = Array.from({ length: 8 }, () => nextSid());
    for (const sid of sids) await seedTwilio(racing, number, sid);
    const callbacks = sids.flatMap((sid) => [twilio21610(sid, number), twilio21610(sid, number)]);
    // On a busy machine, as in CI: each transaction holds its locks longer, and the others pile up behind it.
    const responses = await onBusyMachine(() => Promise.all(callbacks.map((callback) => racing.send(callback))));
    expect(responses.map((r) => r.status)).toEqual(callbacks.map(() => 200));
    expect((await ledgerRow(racing.strapi, 'sms', number))?.state).toBe('opted_out');
    expect((await consents(racing, number)).map((row) => [row.via, row.provider])).toEqual([['provider_report', 'twilio']]);
    const events = await q(racing.strapi, UID.event).findMany({ where: { address: number } });
    expect(events).toHaveLength(sids.length);
  });
});
