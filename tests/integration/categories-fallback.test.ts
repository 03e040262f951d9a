/**
 * Message categories and the fallback to the other channel (issue 17, "Critical messages"), on a
 * real Strapi with the sandbox transport, which reports back over real HTTP through the signed
 * webhook endpoints: the unsubscribed-address rule per category, each fallback path (a failed
 * address dropped at send time, a bounce reported later, a refusal at hand-off, an SMS failure,
 * and no other channel), the link in Full Logs, and the "critical messages reached" report.
 */
import type { Knex } from 'knex';
import request from 'supertest';
import { adminToken, apiToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { createContact } from '../helpers/admin';
import { reportCountMismatches } from '../helpers/report-counts';
import { handedOffThen, sandboxConfig } from '../helpers/sandbox';
import { waitUntil } from '../helpers/instances';
import { resetData, withPluginConfig } from '../helpers/webhooks';

const LOG = 'plugin::deliverability.delivery-log';
const EVENT = 'plugin::deliverability.delivery-event';
/** A number the sandbox fails with Twilio's 30005 (unknown handset): permanent, the number is marked failed. */
const DEAD_MOBILE = '+447009930005';

let app: TestApp;
let token: string;
let admin: string;

type Row = Record<string, unknown> & { documentId: string };
interface Sandbox {
  received: { to: string; channel: string; content: Record<string, unknown>; logDocumentId: string }[];
  flush(): Promise<void>;
}
const sandbox = (channel: 'email' | 'sms'): Sandbox =>
  (app.strapi.plugin('deliverability').service('transports') as { sandbox(c: string): Sandbox }).sandbox(channel);
const fallbacks = () => app.strapi.plugin('deliverability').service('fallbacks') as { drain(): Promise<void> };

/** Every report posted and every fallback sent, and their reports in turn. */
async function settle(): Promise<void> {
  for (let round = 0; round < 4; round += 1) {
    await sandbox('email').flush();
    await sandbox('sms').flush();
    await fallbacks().drain();
  }
}

const send = (body: Record<string, unknown>) => request(app.server).post('/api/deliverability/messages').set('Authorization', `Bearer ${token}`).send(body);
const HOLD_EMAIL = { subject: 'Registration hold', text: 'Your registration is on hold: see the registry.' };
const HOLD_SMS = { body: 'Registration hold: please check your college email or call the registry.' };
const criticalEmail = (contact: string, extra: Record<string, unknown> = {}) =>
  send({ channel: 'email', to: { contact }, ...HOLD_EMAIL, category: 'critical', fallback: HOLD_SMS, ...extra });

const logOf = async (documentId: string): Promise<Row> => (await app.strapi.db.query(LOG).findOne({ where: { documentId } })) as Row;
const logsWhere = async (where: Record<string, unknown>): Promise<Row[]> => (await app.strapi.db.query(LOG).findMany({ where, orderBy: { id: 'asc' } })) as Row[];
const eventsOf = async (documentId: string): Promise<Row[]> =>
  (await app.strapi.db.query(EVENT).findMany({ where: { logDocumentId: documentId }, orderBy: [{ id: 'asc' }] })) as Row[];

/** Marks an address the way a real bounce or unsubscribe does: a message to it, and the sandbox's report. */
async function suppressByReport(address: string): Promise<void> {
  const response = await send({ channel: 'email', to: { address }, subject: 'Welcome', text: 'Hello' });
  expect(response.status).toBe(201);
  await settle();
}

beforeAll(async () => {
  const port = await freePort();
  app = await startApp('categories-fallback', { pluginConfig: sandboxConfig(port), port });
  await listen(app, port);
  token = await apiToken(app);
  admin = await adminToken(app);
});

afterAll(async () => {
  await app?.stop();
});

/** Messages written straight into the table (a failed or deferred one, as set-up) are counted by a recount. */
const recount = () => (app.strapi.plugin('deliverability').service('report-rollup') as { rebuild(): Promise<unknown> }).rebuild();

// A fallback is a new message: the report counts take it in, in the transaction that creates it.
afterEach(async () => {
  expect(await reportCountMismatches(app.strapi.db.connection as unknown as Knex)).toEqual([]);
});

describe('an unsubscribed address, by category', () => {
  it('gets transactional and critical mail, but not marketing or uncategorised mail', async () => {
    await suppressByReport('leila@unsubscribe.test');
    const ledger = await app.strapi.db.query('plugin::deliverability.address').findOne({ where: { channel: 'email', address: 'leila@unsubscribe.test' } });
    expect(ledger?.state).toBe('unsubscribed');

    const outcomes: Record<string, string> = {};
    for (const category of ['transactional', 'critical', 'marketing', null]) {
      const response = await send({ channel: 'email', to: { address: 'leila@unsubscribe.test' }, subject: 'Timetable', text: 'Room 4', ...(category ? { category } : {}) });
      expect(response.status).toBe(201);
      expect(response.body.data.category).toBe(category);
      outcomes[String(category)] = response.body.data.status;
    }
    expect(outcomes).toEqual({ transactional: handedOffThen('delivered'), critical: handedOffThen('delivered'), marketing: 'dropped', null: 'dropped' });
    const delivered = sandbox('email').received.filter((m) => m.to === 'leila@unsubscribe.test');
    // The first message (before the unsubscribe), then the transactional and the critical one.
    expect(delivered).toHaveLength(3);
  });

  it('lets an editor retry a failed transactional message to it, and not a marketing one', async () => {
    const failedTo = async (category: string): Promise<string> => {
      const row = await app.strapi.db.query(LOG).create({
        data: { channel: 'email', address: 'leila@unsubscribe.test', source: 'api', status: 'failed', attempts: 1, category, content: { subject: 'Receipt', html: null, text: 'Paid' } },
      });
      return (row as Row).documentId;
    };
    const transactional = await failedTo('transactional');
    const marketing = await failedTo('marketing');
    await recount();
    const view = async (id: string) => (await request(app.server).get(`/deliverability/logs/${id}`).set('Authorization', `Bearer ${admin}`)).body.data;
    expect((await view(transactional)).retryable).toBe(true);
    expect((await view(marketing)).retryable).toBe(false);

    const retried = await request(app.server).post(`/deliverability/logs/${transactional}/retry`).set('Authorization', `Bearer ${admin}`);
    expect(retried.status).toBe(200);
    expect(retried.body.data.status).toEqual(handedOffThen('delivered'));
    expect(retried.body.data.attempts).toBe(2);
    expect(sandbox('email').received.some((m) => m.logDocumentId === transactional)).toBe(true);
    const refused = await request(app.server).post(`/deliverability/logs/${marketing}/retry`).set('Authorization', `Bearer ${admin}`);
    expect(refused.status).toBe(409);
    expect((await logOf(marketing)).status).toBe('failed');
    await settle();
  });

  it('is left out of a bulk send (marketing by default), but not of a transactional one, in the preview and the send', async () => {
    const contact = await createContact(app, { firstName: 'Nia', email: 'leila@unsubscribe.test' });
    const grab = (extra: Record<string, unknown> = {}) => ({ channel: 'email', subject: 'Open day', text: 'Come along', sourceName: 'Open day', recipients: { contacts: [contact] }, ...extra });
    const preview = async (body: Record<string, unknown>) =>
      (await request(app.server).post('/deliverability/bulk-sends/preview').set('Authorization', `Bearer ${admin}`).send(body)).body.data;
    expect(await preview(grab())).toMatchObject({ total: 1, suppressed: 1 });
    expect(await preview(grab({ category: 'transactional' }))).toMatchObject({ total: 1, suppressed: 0 });

    const statuses: Record<string, string> = {};
    for (const category of ['marketing', 'transactional']) {
      const created = await request(app.server).post('/api/deliverability/bulk-sends').set('Authorization', `Bearer ${token}`).send(grab(category === 'marketing' ? {} : { category }));
      expect(created.status).toBe(201);
      expect(created.body.data.category).toBe(category);
      await waitUntil(async () => (await logsWhere({ bulkSendId: created.body.data.id, status: { $ne: 'queued' } })).length === 1, 30_000, 'the bulk send');
      const [message] = await logsWhere({ bulkSendId: created.body.data.id });
      expect(message.category).toBe(category);
      statuses[category] = message.status as string;
    }
    expect(statuses.marketing).toBe('dropped');
    expect(['sent', 'delivered']).toContain(statuses.transactional);
    await settle();
  });

  it('never gets any category once it has hard-bounced', async () => {
    await suppressByReport('omar@bounce.test');
    for (const category of ['transactional', 'critical', 'marketing']) {
      const response = await send({ channel: 'email', to: { address: 'omar@bounce.test' }, subject: 'Timetable', text: 'Room 4', category });
      expect(response.body.data.status).toBe('dropped');
    }
    expect(sandbox('email').received.filter((m) => m.to === 'omar@bounce.test')).toHaveLength(1);
  });

  it('refuses an unknown category, and a fallback on a category that does not fall back, writing nothing', async () => {
    const before = await app.strapi.db.query(LOG).count();
    const unknown = await send({ channel: 'email', to: { address: 'anyone@example.ac.uk' }, ...HOLD_EMAIL, category: 'newsletter' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.field).toBe('category');
    const marketing = await send({ channel: 'email', to: { address: 'anyone@example.ac.uk' }, ...HOLD_EMAIL, category: 'marketing', fallback: HOLD_SMS });
    expect(marketing.status).toBe(400);
    expect(marketing.body.error.details.field).toBe('fallback');
    const wrongShape = await send({ channel: 'email', to: { address: 'anyone@example.ac.uk' }, ...HOLD_EMAIL, category: 'critical', fallback: HOLD_EMAIL });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.error.details.field).toBe('fallback.body');
    expect(await app.strapi.db.query(LOG).count()).toBe(before);
  });
});

describe('the fallback to the other channel', () => {
  /** The one fallback message of `original`, checked from both ends of the link. */
  async function fallbackOf(original: string): Promise<Row> {
    const linked = await logsWhere({ fallbackOf: original });
    expect(linked).toHaveLength(1);
    expect((await logOf(original)).fallbackMessage).toBe(linked[0].documentId);
    const [link] = (await eventsOf(original)).filter((e) => e.kind === 'fallback');
    expect(link).toMatchObject({ outcome: 'applied', eventKey: `fallback:${original}` });
    expect(link.reason).toContain(linked[0].documentId);
    const [back] = (await eventsOf(linked[0].documentId)).filter((e) => e.kind === 'fallback');
    expect(back.reason).toContain(original);
    return linked[0];
  }

  it('a failed email address: the critical email is dropped, and the SMS version is delivered', async () => {
    await suppressByReport('amara@bounce.test');
    const contact = await createContact(app, { firstName: 'Amara', email: 'amara@bounce.test', mobile: '+447700900101' });
    const response = await criticalEmail(contact);
    expect(response.status).toBe(201);
    expect(response.body.data.status).toBe('dropped');
    await settle();

    const fallback = await fallbackOf(response.body.data.id);
    expect(fallback).toMatchObject({ channel: 'sms', address: '+447700900101', status: 'delivered', category: 'critical', contactDocumentId: contact });
    const texts = sandbox('sms').received.filter((m) => m.to === '+447700900101');
    expect(texts).toHaveLength(1);
    expect(texts[0].content).toEqual(HOLD_SMS);
    // The API shows the link from both ends.
    const original = await request(app.server).get(`/api/deliverability/messages/${response.body.data.id}`).set('Authorization', `Bearer ${token}`);
    expect(original.body.data.fallbackMessage).toBe(fallback.documentId);
    const linked = await request(app.server).get(`/api/deliverability/messages/${fallback.documentId}`).set('Authorization', `Bearer ${token}`);
    expect(linked.body.data).toMatchObject({ fallbackOf: response.body.data.id, channel: 'sms', category: 'critical' });
  });

  it('an email that bounces after it was sent: the SMS version follows the bounce report', async () => {
    const contact = await createContact(app, { firstName: 'Bea', email: 'bea@bounce.test', mobile: '+447700900102' });
    const response = await criticalEmail(contact);
    expect(response.body.data.status).toEqual(handedOffThen('bounced'));
    await settle();
    expect((await logOf(response.body.data.id)).status).toBe('bounced');
    const fallback = await fallbackOf(response.body.data.id);
    expect(fallback).toMatchObject({ channel: 'sms', address: '+447700900102', status: 'delivered' });
  });

  it('an email the provider refuses at hand-off: the SMS version is sent', async () => {
    const contact = await createContact(app, { firstName: 'Cyd', email: 'cyd@reject.test', mobile: '+447700900103' });
    const response = await criticalEmail(contact);
    await settle();
    expect((await logOf(response.body.data.id)).status).toBe('bounced');
    expect(await fallbackOf(response.body.data.id)).toMatchObject({ channel: 'sms', status: 'delivered' });
  });

  it('an SMS that fails: the email version is delivered', async () => {
    const contact = await createContact(app, { firstName: 'Dev', email: 'dev@example.ac.uk', mobile: DEAD_MOBILE });
    const response = await send({ channel: 'sms', to: { contact }, ...HOLD_SMS, category: 'critical', fallback: HOLD_EMAIL });
    expect(response.status).toBe(201);
    await settle();
    expect((await logOf(response.body.data.id)).status).toBe('failed');
    const fallback = await fallbackOf(response.body.data.id);
    expect(fallback).toMatchObject({ channel: 'email', address: 'dev@example.ac.uk', status: 'delivered' });
    const mail = sandbox('email').received.filter((m) => m.to === 'dev@example.ac.uk');
    expect(mail.map((m) => m.content)).toEqual([{ ...HOLD_EMAIL, html: null }]);
  });

  it('an email whose retries run out: the SMS version is sent', async () => {
    const contact = await createContact(app, { firstName: 'Dara', email: 'dara@offline.test', mobile: '+447700900104' });
    // A window shorter than the first re-send's delay: the first soft bounce exhausts the retries.
    const response = await withPluginConfig(app, { retry: { initialDelayMinutes: 15, windowHours: 0.1 } }, async () => {
      const sent = await criticalEmail(contact);
      await settle();
      return sent;
    });
    const original = await logOf(response.body.data.id);
    expect(original.status).toBe('failed');
    expect(original.lastError).toMatch(/^Retries exhausted/);
    expect(await fallbackOf(response.body.data.id)).toMatchObject({ channel: 'sms', address: '+447700900104', status: 'delivered' });
  });

  it('no other channel: nothing is sent, and the message says why', async () => {
    const contact = await createContact(app, { firstName: 'Eli', email: 'eli@bounce.test' });
    const response = await criticalEmail(contact);
    await settle();
    expect((await logOf(response.body.data.id)).status).toBe('bounced');
    expect(await logsWhere({ fallbackOf: response.body.data.id })).toHaveLength(0);
    const [link] = (await eventsOf(response.body.data.id)).filter((e) => e.kind === 'fallback');
    expect(link).toMatchObject({ outcome: 'no_change' });
    expect(link.reason).toBe('Not delivered by email, and not sent by SMS: the contact has no usable SMS address.');
  });

  it('a message without a fallback version, and a transactional message, do not fall back', async () => {
    const contact = await createContact(app, { firstName: 'Fen', email: 'fen@bounce.test', mobile: '+447700900106' });
    const bare = await send({ channel: 'email', to: { contact }, ...HOLD_EMAIL, category: 'critical' });
    const transactional = await send({ channel: 'email', to: { contact }, ...HOLD_EMAIL, category: 'transactional' });
    await settle();
    expect(await logsWhere({ fallbackOf: { $in: [bare.body.data.id, transactional.body.data.id] } })).toHaveLength(0);
    const [noContent] = (await eventsOf(bare.body.data.id)).filter((e) => e.kind === 'fallback');
    expect(noContent.reason).toBe('Not delivered by email, and not sent by SMS: the message was given no SMS version.');
    expect((await eventsOf(transactional.body.data.id)).filter((e) => e.kind === 'fallback')).toHaveLength(0);
    expect(sandbox('sms').received.filter((m) => m.to === '+447700900106')).toHaveLength(0);
  });

  it('Full Logs show the link on both messages', async () => {
    const contact = await createContact(app, { firstName: 'Gus', email: 'gus@bounce.test', mobile: '+447700900107' });
    const response = await criticalEmail(contact);
    await settle();
    const logs = await request(app.server).get(`/deliverability/contacts/${contact}/logs`).set('Authorization', `Bearer ${admin}`);
    expect(logs.status).toBe(200);
    const byChannel = Object.fromEntries(logs.body.data.results.map((log: Row) => [log.channel, log]));
    expect(byChannel.email).toMatchObject({ documentId: response.body.data.id, category: 'critical', status: 'bounced' });
    expect(byChannel.email.fallbackMessage).toBe(byChannel.sms.documentId);
    expect(byChannel.sms).toMatchObject({ fallbackOf: response.body.data.id, status: 'delivered' });
    expect(byChannel.email.events.map((e: Row) => e.kind)).toContain('fallback');
    expect(byChannel.sms.events.map((e: Row) => e.kind)).toContain('fallback');
  });
});

describe('the report of critical messages reached', () => {
  it('counts those delivered first, by fallback, not reached and awaiting, and no other category', async () => {
    await resetData(app.strapi);
    const ok = await createContact(app, { firstName: 'Hana', email: 'hana@example.ac.uk', mobile: '+447700900201' });
    const viaSms = await createContact(app, { firstName: 'Ivo', email: 'ivo@bounce.test', mobile: '+447700900202' });
    const noMobile = await createContact(app, { firstName: 'Jo', email: 'jo@bounce.test' });
    const bothDead = await createContact(app, { firstName: 'Kim', email: 'kim@bounce.test', mobile: DEAD_MOBILE });
    for (const contact of [ok, viaSms, noMobile, bothDead]) expect((await criticalEmail(contact)).status).toBe(201);
    // Not counted: another category, even when it is delivered.
    await send({ channel: 'email', to: { contact: ok }, ...HOLD_EMAIL, category: 'transactional' });
    await settle();
    // Still in flight: an email deferred by the provider's greylisting is awaiting, not reached.
    const deferredContact = await createContact(app, { firstName: 'Lu', email: 'lu@defer.test' });
    await app.strapi.db.query(LOG).create({
      data: { channel: 'email', address: 'lu@defer.test', contactType: 'plugin::deliverability.contact', contactDocumentId: deferredContact, source: 'api', status: 'deferred', attempts: 1, category: 'critical' },
    });
    await recount();

    const today = new Date().toISOString().slice(0, 10);
    const report = await request(app.server).get(`/deliverability/reports/reach?from=${today}&to=${today}`).set('Authorization', `Bearer ${admin}`);
    expect(report.status).toBe(200);
    expect(report.body.data).toMatchObject({ category: 'critical', total: 5, reachedFirst: 1, reachedByFallback: 1, notReached: 2, awaiting: 1 });

    const bad = await request(app.server).get(`/deliverability/reports/reach?from=${today}&to=${today}&category=newsletter`).set('Authorization', `Bearer ${admin}`);
    expect(bad.status).toBe(400);
  });
});
