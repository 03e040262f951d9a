/**
 * Students' texts to the site's number, against a real Strapi: STOP, START and HELP in their own
 * spellings through Twilio's and Vonage's real, signed inbound endpoints; forged requests refused
 * with nothing written; the consent history in the admin API; and an editor unable to lift an
 * opt-out that only the student may lift.
 */
import request from 'supertest';
import { adminToken } from '../helpers/app';
import { signedRequest, webhookSuite } from '../helpers/webhook-suite';
import { contactRow, eventRows, ledgerRow, q, seedContact, snapshot, UID, vectors, vonageSigned, WEBHOOKS } from '../helpers/webhooks';

const PUBLIC_URL = new URL(vectors.twilio.url).origin;
const TWILIO_URL = `${PUBLIC_URL}${WEBHOOKS}/twilio`;
const TWILIO_TOKEN = vectors.twilio.authToken;
const HELP_REPLY = 'Northfield College texts. Reply STOP to stop, START to restart. Questions: 01632 960000.';

const PLUGIN_CONFIG = {
  publicUrl: PUBLIC_URL,
  providers: { twilio: { authToken: TWILIO_TOKEN }, vonage: { signatureSecret: vectors.vonage.signatureSecret, signatureMethod: 'sha256' } },
  sending: { sms: 'sandbox', sandbox: { reportDelayMs: 0 } },
  inboundSms: { optOutWords: ['Arrêt'], helpReply: HELP_REPLY },
};
const suite = webhookSuite('inbound-sms', { pluginConfig: PLUGIN_CONFIG });

let sequence = 0;
const nextNumber = (): string => `+4477009${String(10000 + (sequence += 1)).slice(1)}`;

/** Twilio's incoming-message form, signed over the URL Twilio calls. */
function twilioText(from: string, body: string, options: { sid?: string; token?: string } = {}) {
  const form = new URLSearchParams({ MessageSid: options.sid ?? `SM${Date.now()}${(sequence += 1)}`, AccountSid: 'AC0001', From: from, To: '+447700900000', Body: body, NumMedia: '0' }).toString();
  return signedRequest('twilio', form, { publicUrl: TWILIO_URL, query: '/inbound', secret: options.token ?? TWILIO_TOKEN });
}

/** Vonage's inbound message (msisdn without +), signed with `sig`. */
function vonageText(from: string, text: string, secret?: string) {
  const params = { msisdn: from.replace('+', ''), to: '447700900000', messageId: `vn-${Date.now()}-${(sequence += 1)}`, text, type: 'text', 'message-timestamp': new Date().toISOString().slice(0, 19).replace('T', ' ') };
  return signedRequest('vonage', params, { query: '/inbound', ...(secret ? { secret } : {}) });
}

const ledgerState = async (number: string) => (await ledgerRow(suite.strapi, 'sms', number))?.state ?? 'active';
const consents = (number: string) => q(suite.strapi, UID.consent).findMany({ where: { address: number }, orderBy: { id: 'asc' } });

describe.each([
  ['Twilio', twilioText],
  ['Vonage', (from: string, text: string) => vonageText(from, text)],
] as const)('%s', (_provider, text) => {
  it.each(['STOP', 'stop', '  Stop. ', 'STOPALL', 'Unsubscribe!', 'cancel', 'End', 'quit', 'ARRET', 'arrêt'])('"%s" opts the number out, with the words kept', async (words) => {
    const number = nextNumber();
    const contact = await seedContact(suite.strapi, 'sms', number);
    const response = await suite.send(text(number, words));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, intent: 'opt_out' });
    expect(await ledgerState(number)).toBe('opted_out');
    expect((await contactRow(suite.strapi, contact)).mobileStatus).toBe('opted_out');
    expect(await consents(number)).toEqual([expect.objectContaining({ action: 'opt_out', via: 'sms_keyword', actor: 'student', words })]);
    expect(await eventRows(suite.strapi, { address: number })).toEqual([expect.objectContaining({ kind: 'opt_out', rawText: words })]);
  });

  it.each(['START', 'yes', 'Unstop!'])('"%s" after STOP opts it back in; the history keeps both', async (words) => {
    const number = nextNumber();
    const contact = await seedContact(suite.strapi, 'sms', number);
    await suite.send(text(number, 'STOP'));
    const response = await suite.send(text(number, words));
    expect(response.body).toMatchObject({ ok: true, intent: 'opt_in' });
    expect(await ledgerState(number)).toBe('active');
    expect((await contactRow(suite.strapi, contact)).mobileStatus).toBe('active');
    expect((await consents(number)).map((c) => [c.action, c.words])).toEqual([
      ['opt_out', 'STOP'],
      ['opt_in', words],
    ]);
  });

  it('HELP is answered with the configured text through the send path, once per inbound message', async () => {
    const number = nextNumber();
    const help = text(number, 'help');
    expect((await suite.send(help)).body).toMatchObject({ ok: true, intent: 'help' });
    expect((await suite.send(help)).status).toBe(200);
    const replies = await q(suite.strapi, UID.log).findMany({ where: { address: number } });
    expect(replies).toEqual([expect.objectContaining({ channel: 'sms', sourceName: 'HELP reply', content: { body: HELP_REPLY } })]);
    expect((await consents(number)).map((c) => c.action)).toEqual(['help']);
  });

  it('a sentence is not a keyword: nothing is written', async () => {
    const number = nextNumber();
    const before = await snapshot(suite.strapi);
    const response = await suite.send(text(number, 'please stop texting me about the trip'));
    expect(response.body).toMatchObject({ ok: true, intent: null });
    expect(await snapshot(suite.strapi)).toEqual(before);
    expect(await consents(number)).toEqual([]);
  });
});

describe('signatures', () => {
  it('a Twilio text signed with another token: 401, nothing written', async () => {
    const number = nextNumber();
    await suite.expectRefused(() => suite.send(twilioText(number, 'STOP', { token: 'not-the-token' })), 401, /signature does not match/);
    expect(await consents(number)).toEqual([]);
  });

  it('a Twilio text whose body was changed after signing: 401', async () => {
    const signed = twilioText(nextNumber(), 'HELP');
    await suite.expectRefused(() => suite.send({ ...signed, body: signed.body.replace('HELP', 'STOP') }), 401, /signature does not match/);
  });

  it('a Vonage text signed with another secret, or unsigned: 401', async () => {
    await suite.expectRefused(() => suite.send(vonageText(nextNumber(), 'STOP', 'another-secret')), 401, /signature/);
    const unsigned = vonageSigned({ msisdn: '447700900999', messageId: 'x', text: 'STOP' });
    delete (unsigned as Record<string, string>).sig;
    await suite.expectRefused(() => suite.send({ path: 'vonage/inbound', body: JSON.stringify(unsigned), headers: { 'Content-Type': 'application/json' } }), 401, /sig/);
  });

  it('a redelivered STOP is one entry', async () => {
    const number = nextNumber();
    const stop = twilioText(number, 'STOP', { sid: `SMredelivered${Date.now()}` });
    await suite.send(stop);
    await suite.send(stop);
    expect(await consents(number)).toHaveLength(1);
  });

  it('an unknown provider: 404', async () => {
    const response = await suite.send({ path: 'sendgrid/inbound', body: '[]', headers: { 'Content-Type': 'application/json' } });
    expect(response.status).toBe(404);
  });
});

describe('consent is the student’s', () => {
  it('the history is in the admin API, newest first, and an editor cannot lift an opt-out', async () => {
    const number = nextNumber();
    await suite.send(twilioText(number, 'Stop'));
    await suite.send(twilioText(number, 'START'));
    await suite.send(twilioText(number, 'STOP!'));
    const token = await adminToken(suite.app);
    const history = await request(suite.app.server).get(`/deliverability/consent?channel=sms&address=${encodeURIComponent(number)}`).set('Authorization', `Bearer ${token}`);
    expect(history.status).toBe(200);
    expect(history.body.data.map((e: { action: string; words: string }) => [e.action, e.words])).toEqual([
      ['opt_out', 'STOP!'],
      ['opt_in', 'START'],
      ['opt_out', 'Stop'],
    ]);
    expect((await request(suite.app.server).get('/deliverability/consent?channel=sms').set('Authorization', `Bearer ${token}`)).status).toBe(400);

    const before = await snapshot(suite.strapi);
    const reactivate = await request(suite.app.server)
      .post('/deliverability/addresses/reactivate')
      .set('Authorization', `Bearer ${token}`)
      .send({ channel: 'sms', address: number, reason: 'The student asked by email' });
    expect(reactivate.status).toBe(409);
    expect(reactivate.body.error.message).toMatch(/only the student can opt back in/);
    expect(await snapshot(suite.strapi)).toEqual(before);
  });

  it('START lifts only an opt-out: a failed number stays failed', async () => {
    const number = nextNumber();
    await q(suite.strapi, UID.address).create({ data: { channel: 'sms', address: number, state: 'failed', softBounceCount: 0, exhaustedStreak: 0, bounceScore: 0 } });
    expect((await suite.send(twilioText(number, 'START'))).body).toMatchObject({ intent: 'opt_in' });
    expect(await ledgerState(number)).toBe('failed');
    expect((await consents(number)).map((c) => c.action)).toEqual(['opt_in']);
  });
});

