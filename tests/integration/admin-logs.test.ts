/**
 * The admin API behind Full Logs, the side panel and the list view's badges: a student's messages
 * newest first with every attempt and provider event, filters and pages, the summary, the batch
 * address look-up, unmatched events, and "retry now".
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, applyEvents, createContact, createLog, eventFor, tokenWithActions, UID } from '../helpers/admin';
import { table } from '../../server/src/utils/plugin';

let app: TestApp;
let token: string;
let amira: string;
const HOUR = 3_600_000;
const base = Date.now() - 48 * HOUR;

beforeAll(async () => {
  app = await startApp('admin-logs', {
    // The sandbox transport accepts without an account; no report follows without its test key.
    pluginConfig: { sending: { email: 'sandbox', sms: 'sandbox' } },
  });
  token = await adminToken(app);
  amira = await createContact(app, { firstName: 'Amira', lastName: 'Haddad', email: 'amira.haddad@bounce.test', mobile: '+447700900101' });

  // Twelve messages over two days, oldest first: eleven delivered emails, then one SMS that failed.
  for (let i = 0; i < 11; i += 1) {
    const log = await createLog(app, { contact: amira, address: 'amira.haddad@bounce.test', createdAt: base + i * HOUR, sourceName: `Newsletter ${i + 1}`, subject: `Issue ${i + 1}` });
    await applyEvents(app, [eventFor(log, { kind: 'delivered', rawCode: '250', rawText: 'OK', occurredAt: base + i * HOUR + 60_000 })]);
  }
  const sms = await createLog(app, { contact: amira, channel: 'sms', address: '+447700900101', provider: 'twilio', createdAt: base + 20 * HOUR, source: 'grab', sourceName: 'Open day reminder' });
  await applyEvents(app, [
    eventFor(sms, { provider: 'twilio', kind: 'hard_bounce', rawType: 'undelivered', rawCode: '30005', rawText: 'Unknown destination handset', severity: 'permanent', occurredAt: base + 20 * HOUR + 60_000 }),
  ]);
  // The newest: a hard bounce, after a soft bounce that was retried.
  const bounced = await createLog(app, { contact: amira, address: 'amira.haddad@bounce.test', createdAt: base + 30 * HOUR, source: 'manual', sourceName: 'Your timetable', attempts: 2 });
  await applyEvents(app, [
    eventFor(bounced, { kind: 'soft_bounce', rawType: 'bounce', rawCode: '452 4.2.2', rawText: 'Mailbox full', severity: 'transient', occurredAt: base + 30 * HOUR + 60_000 }),
    eventFor(bounced, { kind: 'hard_bounce', rawType: 'bounce', rawCode: '550 5.1.1', rawText: 'The email account that you tried to reach does not exist.', severity: 'permanent', occurredAt: base + 31 * HOUR }),
  ]);
});

afterAll(async () => {
  await app?.stop();
});

const get = (path: string, jwt = token) => request(app.server).get(`/deliverability${path}`).set('Authorization', `Bearer ${jwt}`);
const post = (path: string, body: unknown, jwt = token) => request(app.server).post(`/deliverability${path}`).set('Authorization', `Bearer ${jwt}`).send(body as object);

describe('Full Logs', () => {
  it("lists a student's messages on both channels, newest first, a page at a time", async () => {
    const first = await get(`/contacts/${amira}/logs?pageSize=5`);
    expect(first.status).toBe(200);
    const { results, pagination, contact } = first.body.data;
    expect(contact).toMatchObject({ documentId: amira, displayName: 'Amira Haddad' });
    expect(pagination).toEqual({ page: 1, pageSize: 5, pageCount: 3, total: 13 });
    expect(results.map((r: { sourceName: string }) => r.sourceName)).toEqual(['Your timetable', 'Open day reminder', 'Newsletter 11', 'Newsletter 10', 'Newsletter 9']);
    const created = results.map((r: { createdAt: string }) => Date.parse(r.createdAt));
    expect([...created].sort((a, b) => b - a)).toEqual(created);

    const last = await get(`/contacts/${amira}/logs?pageSize=5&page=3`);
    expect(last.body.data.results.map((r: { sourceName: string }) => r.sourceName)).toEqual(['Newsletter 3', 'Newsletter 2', 'Newsletter 1']);
  });

  it('shows each message with its source, channel, address, status and attempts, and every event with its raw code and reason', async () => {
    const response = await get(`/contacts/${amira}/logs?pageSize=2`);
    const [bounced, sms] = response.body.data.results;
    expect(bounced).toMatchObject({
      channel: 'email',
      address: 'amira.haddad@bounce.test',
      source: 'manual',
      sourceName: 'Your timetable',
      subject: 'Welcome',
      status: 'bounced',
      attempts: 2,
      retryable: false,
    });
    expect(bounced.events.map((e: { kind: string }) => e.kind)).toEqual(['soft_bounce', 'hard_bounce']);
    const hard = bounced.events[1];
    expect(hard).toMatchObject({ rawCode: '550 5.1.1', rawText: 'The email account that you tried to reach does not exist.', outcome: 'applied', provider: 'sendgrid' });
    expect(hard.reason).toMatch(/hard bounce/i);
    // A permanent SMS error fails the message (and the number): SMS has no "bounced". A failed
    // message can be retried, but not while its number is suppressed.
    expect(sms).toMatchObject({ channel: 'sms', source: 'grab', status: 'failed', address: '+447700900101', addressState: 'failed', retryable: false });
    expect(sms.events[0]).toMatchObject({ rawCode: '30005', rawText: 'Unknown destination handset' });
  });

  it('filters by channel and by status', async () => {
    const sms = await get(`/contacts/${amira}/logs?channel=sms`);
    expect(sms.body.data.pagination.total).toBe(1);
    expect(sms.body.data.results[0].channel).toBe('sms');

    const delivered = await get(`/contacts/${amira}/logs?status=delivered&pageSize=50`);
    expect(delivered.body.data.pagination.total).toBe(11);
    expect(delivered.body.data.results.every((r: { status: string }) => r.status === 'delivered')).toBe(true);

    const both = await get(`/contacts/${amira}/logs?channel=email&status=bounced`);
    expect(both.body.data.results.map((r: { sourceName: string }) => r.sourceName)).toEqual(['Your timetable']);
  });

  it('refuses an unknown status, channel or page size with a 400 that names the choices', async () => {
    const status = await get(`/contacts/${amira}/logs?status=exploded`);
    expect(status.status).toBe(400);
    expect(status.body.error.message).toMatch(/status must be one of: queued, sent/);
    expect((await get(`/contacts/${amira}/logs?channel=fax`)).status).toBe(400);
    expect((await get(`/contacts/${amira}/logs?pageSize=500`)).status).toBe(400);
    expect((await get(`/contacts/${amira}/logs?type=api::nope.nope`)).status).toBe(400);
  });

  it('answers 404 for a student that does not exist', async () => {
    const response = await get('/contacts/does-not-exist/logs');
    expect(response.status).toBe(404);
  });

  it('returns one message with its history', async () => {
    const list = await get(`/contacts/${amira}/logs?pageSize=1`);
    const id = list.body.data.results[0].documentId as string;
    const one = await get(`/logs/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.data.documentId).toBe(id);
    expect(one.body.data.events).toHaveLength(2);
    expect((await get('/logs/nope')).status).toBe(404);
  });
});

describe('the side panel summary', () => {
  it("gives each address's state and why, the last messages and counts by channel and status", async () => {
    const response = await get(`/contacts/${amira}/summary`);
    expect(response.status).toBe(200);
    const { addresses, lastMessages, counts } = response.body.data;
    expect(addresses).toEqual([
      expect.objectContaining({ channel: 'email', address: 'amira.haddad@bounce.test', state: 'failed', providerCode: '550 5.1.1' }),
      expect.objectContaining({ channel: 'sms', address: '+447700900101', state: 'failed', providerCode: '30005' }),
    ]);
    expect(addresses[0].reason).toMatch(/hard bounce/i);
    expect(addresses[0].since).not.toBeNull();
    expect(lastMessages).toHaveLength(5);
    expect(lastMessages[0].sourceName).toBe('Your timetable');
    expect(counts).toEqual({ email: { total: 12, delivered: 11, bounced: 1 }, sms: { total: 1, failed: 1 } });
  });
});

describe('address statuses for the list view', () => {
  it('answers a batch in one request, normalizing what it is given, with unknown addresses active', async () => {
    const response = await post('/addresses/lookup', {
      addresses: [
        { channel: 'email', address: 'Amira.Haddad@Bounce.test' },
        { channel: 'sms', address: '+44 7700 900101' },
        { channel: 'email', address: 'someone.new@example.ac.uk' },
        { channel: 'email', address: 'not an address' },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([
      expect.objectContaining({ address: 'Amira.Haddad@Bounce.test', normalized: 'amira.haddad@bounce.test', state: 'failed', providerCode: '550 5.1.1' }),
      expect.objectContaining({ address: '+44 7700 900101', normalized: '+447700900101', state: 'failed' }),
      expect.objectContaining({ normalized: 'someone.new@example.ac.uk', state: 'active', reason: null }),
      expect.objectContaining({ normalized: null, state: 'active' }),
    ]);
  });

  it('refuses a malformed or oversized batch', async () => {
    expect((await post('/addresses/lookup', { addresses: 'x' })).status).toBe(400);
    expect((await post('/addresses/lookup', { addresses: [{ channel: 'fax', address: 'x' }] })).status).toBe(400);
    const many = Array.from({ length: 201 }, (_, i) => ({ channel: 'email', address: `a${i}@example.ac.uk` }));
    expect((await post('/addresses/lookup', { addresses: many })).status).toBe(400);
  });
});

describe('unmatched events', () => {
  it('lists provider events that matched no message, newest first, for diagnosis', async () => {
    await applyEvents(app, [
      eventFor(null, { kind: 'hard_bounce', address: 'other-system@example.ac.uk', providerMessageId: 'from-elsewhere-1', rawCode: '550', occurredAt: Date.now() - 1000 }),
      eventFor(null, { kind: 'delivered', provider: 'mailgun', address: 'other-system@example.ac.uk', providerMessageId: 'from-elsewhere-2', occurredAt: Date.now() }),
    ]);
    const response = await get('/events/unmatched');
    expect(response.status).toBe(200);
    const { results, pagination } = response.body.data;
    expect(pagination.total).toBe(2);
    expect(results.map((e: { providerMessageId: string }) => e.providerMessageId)).toEqual(['from-elsewhere-2', 'from-elsewhere-1']);
    expect(results.every((e: { outcome: string }) => e.outcome === 'unmatched')).toBe(true);
    const mailgun = await get('/events/unmatched?provider=mailgun');
    expect(mailgun.body.data.results.map((e: { provider: string }) => e.provider)).toEqual(['mailgun']);
  });
});

describe('retry now', () => {
  const hasRetry = (): boolean => {
    const service = app.strapi.plugin('deliverability').service('messages') as { retryNow?: unknown } | undefined;
    return typeof service?.retryNow === 'function';
  };

  it('sends a deferred message again, through the send service, and records who did it', async () => {
    const student = await createContact(app, { firstName: 'Ben', lastName: 'Okafor', email: 'ben.okafor@example.ac.uk' });
    const log = await createLog(app, { contact: student, address: 'ben.okafor@example.ac.uk', status: 'deferred', attempts: 2, provider: 'sandbox' });
    const response = await post(`/logs/${log.documentId}/retry`, {});
    if (!hasRetry()) {
      // A build without the send service says so instead of pretending.
      expect(response.status).toBe(501);
      return;
    }
    expect(response.status).toBe(200);
    expect(response.body.data.documentId).toBe(log.documentId);
    expect(response.body.data.attempts).toBe(3);
    expect(response.body.data.status).not.toBe('deferred');
    const audit = await table(app.strapi, UID.audit).findMany({ where: { logDocumentId: log.documentId } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorName: 'Test Admin' });
    // The message's history shows the manual retry.
    expect(response.body.data.audit).toHaveLength(1);
  });

  it('refuses to retry a message that is neither deferred nor failed', async () => {
    const log = await createLog(app, { contact: amira, address: 'amira.haddad@bounce.test', status: 'delivered' });
    const response = await post(`/logs/${log.documentId}/retry`, {});
    expect(response.status).toBe(hasRetry() ? 409 : 501);
    expect(response.body.error.message).toBeTruthy();
    const after = await table(app.strapi, UID.log).findOne({ where: { id: log.id } });
    expect(after?.attempts).toBe(1);
  });
});

describe('permissions', () => {
  it('answers 401 without an admin token', async () => {
    expect((await request(app.server).get(`/deliverability/contacts/${amira}/logs`)).status).toBe(401);
  });

  it('answers 403 to an editor without the logs action, and 200 once the role has it', async () => {
    // An editor who may read contacts in the Content Manager, but holds no plugin action.
    const editor = await tokenWithActions(app, 'No plugin access', [{ action: 'plugin::content-manager.explorer.read', subject: UID.contact }]);
    expect((await get(`/contacts/${amira}/logs`, editor)).status).toBe(403);
    expect((await get(`/contacts/${amira}/summary`, editor)).status).toBe(403);
    expect((await post('/addresses/lookup', { addresses: [] }, editor)).status).toBe(403);
    expect((await get('/events/unmatched', editor)).status).toBe(403);

    const reader = await tokenWithActions(app, 'Log reader', [ACTIONS.logsRead]);
    expect((await get(`/contacts/${amira}/logs`, reader)).status).toBe(200);
    expect((await get(`/contacts/${amira}/summary`, reader)).status).toBe(200);
    // Reading logs does not allow retrying.
    const log = await createLog(app, { contact: amira, address: 'amira.haddad@bounce.test', status: 'deferred' });
    expect((await post(`/logs/${log.documentId}/retry`, {}, reader)).status).toBe(403);
    const after = await table(app.strapi, UID.log).findOne({ where: { id: log.id } });
    expect(after?.status).toBe('deferred');
  });
});
