/**
 * The suppression list and reactivation: search and filters, the message that caused each
 * suppression, and an audited reactivation that puts the address and every contact's badge back
 * to active, in one transaction, refused without a reason.
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, applyEvents, createContact, createLog, eventFor, tokenWithActions, UID } from '../helpers/admin';
import { table } from '../../server/src/utils/plugin';

let app: TestApp;
let token: string;
let amira: string;
let sibling: string;
let bounceLog: string;
const t0 = Date.now() - 3_600_000;

beforeAll(async () => {
  app = await startApp('admin-suppressions');
  token = await adminToken(app);
  amira = await createContact(app, { firstName: 'Amira', lastName: 'Haddad', email: 'amira.haddad@bounce.test', mobile: '+447700900101' });
  // A sibling sharing the family address: one ledger row, two badges.
  sibling = await createContact(app, { firstName: 'Sami', lastName: 'Haddad', email: 'amira.haddad@bounce.test' });
  const ben = await createContact(app, { firstName: 'Ben', lastName: 'Okafor', email: 'ben.okafor@full.test', mobile: '+447700900102' });
  const elena = await createContact(app, { firstName: 'Elena', lastName: 'Rossi', email: 'elena.rossi@complain.test' });

  const bounce = await createLog(app, { contact: amira, address: 'amira.haddad@bounce.test', sourceName: 'Welcome to your course', createdAt: t0 });
  bounceLog = bounce.documentId;
  const soft = await createLog(app, { contact: ben, address: 'ben.okafor@full.test', createdAt: t0 });
  const optOut = await createLog(app, { contact: ben, channel: 'sms', address: '+447700900102', provider: 'twilio', createdAt: t0 });
  const complaint = await createLog(app, { contact: elena, address: 'elena.rossi@complain.test', createdAt: t0 });
  await applyEvents(app, [
    eventFor(bounce, { kind: 'hard_bounce', rawType: 'bounce', rawCode: '550 5.1.1', rawText: 'No such user', severity: 'permanent', occurredAt: t0 + 60_000 }),
    eventFor(soft, { kind: 'soft_bounce', rawType: 'bounce', rawCode: '452 4.2.2', rawText: 'Mailbox full', severity: 'transient', occurredAt: t0 + 120_000 }),
    eventFor(optOut, { provider: 'twilio', kind: 'opt_out', rawType: 'failed', rawCode: '21610', severity: 'permanent', occurredAt: t0 + 180_000 }),
    eventFor(complaint, { kind: 'complaint', rawType: 'spamreport', occurredAt: t0 + 240_000 }),
  ]);
});

afterAll(async () => {
  await app?.stop();
});

const get = (path: string, jwt = token) => request(app.server).get(`/deliverability${path}`).set('Authorization', `Bearer ${jwt}`);
const reactivate = (body: Record<string, unknown>, jwt = token) =>
  request(app.server).post('/deliverability/addresses/reactivate').set('Authorization', `Bearer ${jwt}`).send(body);
const contactRow = (documentId: string) => table(app.strapi, UID.contact).findOne({ where: { documentId } });
const ledgerRow = (channel: string, address: string) => table(app.strapi, UID.address).findOne({ where: { channel, address } });

describe('the suppression list', () => {
  it('lists every address that is not simply active, newest first, with its reason, code, date and the message that caused it', async () => {
    const response = await get('/suppressions');
    expect(response.status).toBe(200);
    const { results, pagination, counts } = response.body.data;
    expect(pagination.total).toBe(4);
    expect(results.map((r: { address: string; state: string }) => [r.address, r.state])).toEqual([
      ['elena.rossi@complain.test', 'complained'],
      ['+447700900102', 'opted_out'],
      ['ben.okafor@full.test', 'soft_bouncing'],
      ['amira.haddad@bounce.test', 'failed'],
    ]);
    const amiraRow = results[3];
    expect(amiraRow).toMatchObject({ channel: 'email', providerCode: '550 5.1.1', provider: 'sendgrid' });
    expect(amiraRow.reason).toMatch(/hard bounce/i);
    expect(amiraRow.since).not.toBeNull();
    expect(amiraRow.message).toMatchObject({
      documentId: bounceLog,
      sourceName: 'Welcome to your course',
      status: 'bounced',
      contact: { type: UID.contact, documentId: amira, displayName: 'Amira Haddad' },
    });
    expect(counts).toMatchObject({ failed: 1, soft_bouncing: 1, opted_out: 1, complained: 1, unsubscribed: 0 });
  });

  it('searches by part of an address, in any case', async () => {
    const response = await get('/suppressions?q=HADDAD');
    expect(response.body.data.results.map((r: { address: string }) => r.address)).toEqual(['amira.haddad@bounce.test']);
    const phone = await get(`/suppressions?q=${encodeURIComponent('900102')}`);
    expect(phone.body.data.results.map((r: { address: string }) => r.address)).toEqual(['+447700900102']);
    expect((await get('/suppressions?q=nobody-like-this')).body.data.results).toEqual([]);
  });

  it('filters by channel and by state', async () => {
    const sms = await get('/suppressions?channel=sms');
    expect(sms.body.data.results.map((r: { address: string }) => r.address)).toEqual(['+447700900102']);
    expect(sms.body.data.counts).toMatchObject({ opted_out: 1, failed: 0 });
    const complained = await get('/suppressions?state=complained');
    expect(complained.body.data.results.map((r: { state: string }) => r.state)).toEqual(['complained']);
    expect((await get('/suppressions?state=lost')).status).toBe(400);
  });

  it('pages', async () => {
    const page = await get('/suppressions?pageSize=3&page=2');
    expect(page.body.data.pagination).toEqual({ page: 2, pageSize: 3, pageCount: 2, total: 4 });
    expect(page.body.data.results).toHaveLength(1);
  });
});

describe('reactivation', () => {
  it('refuses without a reason, and changes nothing', async () => {
    for (const reason of [undefined, '', '   ']) {
      const response = await reactivate({ channel: 'email', address: 'amira.haddad@bounce.test', reason });
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(/reason is required/i);
    }
    expect((await ledgerRow('email', 'amira.haddad@bounce.test'))?.state).toBe('failed');
    expect((await contactRow(amira))?.emailStatus).toBe('failed');
    expect(await table(app.strapi, UID.audit).count({ where: { action: 'reactivate-address' } })).toBe(0);
  });

  it('refuses an unknown channel, an unreadable address, one never suppressed, and an editor without the action', async () => {
    expect((await reactivate({ channel: 'fax', address: 'x', reason: 'r' })).status).toBe(400);
    expect((await reactivate({ channel: 'email', address: 'not an address', reason: 'r' })).status).toBe(400);
    expect((await reactivate({ channel: 'email', address: 'never.seen@example.ac.uk', reason: 'r' })).status).toBe(404);
    const reader = await tokenWithActions(app, 'Reader', [ACTIONS.logsRead]);
    expect((await reactivate({ channel: 'email', address: 'amira.haddad@bounce.test', reason: 'Student confirmed' }, reader)).status).toBe(403);
    expect((await ledgerRow('email', 'amira.haddad@bounce.test'))?.state).toBe('failed');
  });

  it('commits nothing when a step fails part-way: ledger, badges and audit move together', async () => {
    const contacts = app.strapi.plugin('deliverability').service('contacts') as { applyMirror: (...args: unknown[]) => Promise<number> };
    const original = contacts.applyMirror;
    contacts.applyMirror = async () => {
      throw new Error('database went away');
    };
    try {
      const response = await reactivate({ channel: 'email', address: 'amira.haddad@bounce.test', reason: 'Student confirmed' });
      expect(response.status).toBe(500);
    } finally {
      contacts.applyMirror = original;
    }
    expect((await ledgerRow('email', 'amira.haddad@bounce.test'))).toMatchObject({ state: 'failed', reactivatedAt: null });
    expect((await contactRow(amira))?.emailStatus).toBe('failed');
    expect(await table(app.strapi, UID.audit).count({ where: { action: 'reactivate-address' } })).toBe(0);
  });

  it('makes the address active again with its counters reset, clears every badge on it, and writes the audit trail', async () => {
    const before = await ledgerRow('email', 'amira.haddad@bounce.test');
    const response = await reactivate({ channel: 'email', address: 'Amira.Haddad@bounce.test', reason: 'Student confirmed the address by phone' });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ channel: 'email', address: 'amira.haddad@bounce.test', contactsUpdated: 2 });
    expect(response.body.data.before).toMatchObject({ state: 'failed', providerCode: '550 5.1.1' });
    expect(response.body.data.after).toMatchObject({ state: 'active', providerCode: null, softBounceCount: 0, exhaustedStreak: 0, bounceScore: 0 });

    const after = await ledgerRow('email', 'amira.haddad@bounce.test');
    expect(after).toMatchObject({
      state: 'active',
      reason: 'Reactivated by Test Admin: Student confirmed the address by phone',
      reactivatedBy: 'Test Admin',
      reactivationReason: 'Student confirmed the address by phone',
      softBounceCount: 0,
      exhaustedStreak: 0,
    });
    expect(Number(after?.bounceScore)).toBe(0);
    expect(after?.reactivatedAt).not.toBeNull();
    expect(after?.id).toBe(before?.id);

    for (const id of [amira, sibling]) {
      const row = await contactRow(id);
      expect(row).toMatchObject({ emailStatus: 'active', emailStatusReason: 'Reactivated by Test Admin: Student confirmed the address by phone' });
    }
    // The mobile of the same student is another address, left alone.
    expect((await contactRow(amira))?.mobileStatus).toBe('active');

    const audit = await table(app.strapi, UID.audit).findMany({ where: { action: 'reactivate-address' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      channel: 'email',
      address: 'amira.haddad@bounce.test',
      actorName: 'Test Admin',
      reason: 'Student confirmed the address by phone',
      before: expect.objectContaining({ state: 'failed' }),
      after: expect.objectContaining({ state: 'active' }),
    });
    expect(audit[0].createdAt).not.toBeNull();

    // Gone from the list, which shows only addresses that are not active.
    const list = await get('/suppressions');
    expect(list.body.data.results.map((r: { address: string }) => r.address)).not.toContain('amira.haddad@bounce.test');
    // And the side panel says who reactivated it and why.
    const summary = await get(`/contacts/${amira}/summary`);
    expect(summary.body.data.addresses[0]).toMatchObject({ state: 'active', reactivatedBy: 'Test Admin', reactivationReason: 'Student confirmed the address by phone' });
  });

  it('says so when the address is already active', async () => {
    const response = await reactivate({ channel: 'email', address: 'amira.haddad@bounce.test', reason: 'again' });
    expect(response.status).toBe(409);
  });

  it('is not undone by a late copy of the old bounce, but a new bounce suppresses the address again', async () => {
    const log = await table(app.strapi, UID.log).findOne({ where: { documentId: bounceLog } });
    await applyEvents(app, [
      eventFor(log, { kind: 'hard_bounce', rawCode: '550 5.1.1', severity: 'permanent', occurredAt: t0 + 90_000, eventKey: 'late-copy-of-old-bounce' }),
    ]);
    expect((await ledgerRow('email', 'amira.haddad@bounce.test'))?.state).toBe('active');
    expect((await contactRow(amira))?.emailStatus).toBe('active');

    const fresh = await createLog(app, { contact: amira, address: 'amira.haddad@bounce.test' });
    await applyEvents(app, [eventFor(fresh, { kind: 'hard_bounce', rawCode: '550 5.1.1', severity: 'permanent', occurredAt: Date.now() + 1000 })]);
    expect((await ledgerRow('email', 'amira.haddad@bounce.test'))?.state).toBe('failed');
    expect((await contactRow(sibling))?.emailStatus).toBe('failed');
  });

  it('reactivates a soft-bouncing address too, resetting its count', async () => {
    const response = await reactivate({ channel: 'email', address: 'ben.okafor@full.test', reason: 'Mailbox cleared' });
    expect(response.status).toBe(200);
    expect(response.body.data.before).toMatchObject({ state: 'soft_bouncing', softBounceCount: 1 });
    expect((await ledgerRow('email', 'ben.okafor@full.test'))).toMatchObject({ state: 'active', softBounceCount: 0 });
  });
});
