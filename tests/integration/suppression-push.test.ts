/**
 * The push: reactivating an address lifts it at every provider that suppresses it, through the
 * fake providers' delete APIs on 127.0.0.1, and the answer, the audit trail and the student's
 * Full Logs say which providers lifted it and which could not (a Postmark spam complaint, a
 * provider that is down). The reactivation stands either way, and the next pull does not undo it.
 * An SMS opt-out is reported as something only the student can lift.
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { applyEvents, createContact, createLog, eventFor, UID } from '../helpers/admin';
import { startFakeProviderLists, syncConfigFor, type FakeProviderLists } from '../helpers/fake-provider-lists';
import { everyDatabase, suiteDatabase, type SuiteDatabase } from '../helpers/each-database';
import { table } from '../../server/src/utils/plugin';
import type { PullResult } from '../../server/src/services/suppression-sync';
import type { ProviderLift } from '../../server/src/contract';

describe.each(everyDatabase('suppression-push.test.ts'))('on %s', (kind) => {
  let db: SuiteDatabase;
  let app: TestApp;
  let fake: FakeProviderLists;
  let token: string;
  const created = Math.floor(Date.now() / 1000) - 86_400;

  const pullAll = () => (app.strapi.plugin('deliverability').service('suppression-sync') as { pullAll(): Promise<PullResult[]> }).pullAll();
  const reactivate = (channel: string, address: string) =>
    request(app.server)
      .post('/deliverability/addresses/reactivate')
      .set('Authorization', `Bearer ${token}`)
      .send({ channel, address, reason: 'The student confirmed the address at the front desk' });
  const ledger = (channel: string, address: string) => table(app.strapi, UID.address).findOne({ where: { channel, address } });
  const listed = (list: string, address: string) => (fake.lists.get(list) ?? []).some((e) => e.address === address);
  const byProvider = (lifts: ProviderLift[]) => Object.fromEntries(lifts.map((l) => [l.provider, l]));

  beforeAll(async () => {
    fake = await startFakeProviderLists();
    db = await suiteDatabase(kind, 'suppression-push');
    app = await startApp('suppression-push', { pluginConfig: { sync: syncConfigFor(fake) }, database: db.connection });
    token = await adminToken(app);
    fake.seed('sendgrid:bounces', [{ address: 'omar@example.ac.uk', created }]);
    fake.seed('sendgrid:unsubscribes', [{ address: 'omar@example.ac.uk', created }]);
    fake.seed('mailgun:bounces', [{ address: 'omar@example.ac.uk', created }]);
    fake.seed('ses:account', [{ address: 'omar@example.ac.uk', created, code: 'BOUNCE' }]);
    fake.seed('postmark:outbound', [{ address: 'lea@example.ac.uk', created, code: 'SpamComplaint' }]);
    fake.seed('mailgun:complaints', [{ address: 'lea@example.ac.uk', created }]);
    fake.seed('mailgun:unsubscribes', [{ address: 'zoe@example.ac.uk', created }]);
    await pullAll();
  });

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await db?.drop();
  });

  describe('reactivating an address the providers suppress', () => {
    let lifts: Record<string, ProviderLift>;
    let omar: string;

    beforeAll(async () => {
      omar = await createContact(app, { firstName: 'Omar', lastName: 'Said', email: 'omar@example.ac.uk' });
      // Unsubscribed outranks failed: the two SendGrid lists and the others agree it is suppressed.
      expect(await ledger('email', 'omar@example.ac.uk')).toMatchObject({ state: 'unsubscribed' });
      const response = await reactivate('email', 'omar@example.ac.uk');
      expect(response.status).toBe(200);
      lifts = byProvider(response.body.data.providerLifts);
    });

    it('lifts it from every list of every provider that held it, and says which', () => {
      expect(lifts.sendgrid).toMatchObject({ result: 'lifted', detail: null });
      expect(lifts.sendgrid.lists.filter((l) => l.result === 'lifted').map((l) => l.list)).toEqual(['bounces', 'unsubscribes']);
      expect(lifts.mailgun.lists).toEqual([
        { list: 'bounces', result: 'lifted' },
        { list: 'complaints', result: 'not_listed' },
        { list: 'unsubscribes', result: 'not_listed' },
      ]);
      expect(lifts.postmark.result).toBe('not_listed');
      expect(lifts.ses.result).toBe('lifted');
      for (const list of ['sendgrid:bounces', 'sendgrid:unsubscribes', 'mailgun:bounces', 'ses:account'])
        expect(listed(list, 'omar@example.ac.uk')).toBe(false);
    });

    it('records the push in the audit trail and on the student’s Full Logs', async () => {
      const audit = await table(app.strapi, UID.audit).findMany({ where: { address: 'omar@example.ac.uk' }, orderBy: { id: 'asc' } });
      expect(audit.map((a) => a.action)).toEqual(['reactivate-address', 'lift-provider-suppressions']);
      expect((audit[1].after as { lifts: ProviderLift[] }).lifts.map((l) => [l.provider, l.result])).toEqual([
        ['sendgrid', 'lifted'],
        ['mailgun', 'lifted'],
        ['postmark', 'not_listed'],
        ['ses', 'lifted'],
      ]);
      const summary = await request(app.server).get(`/deliverability/contacts/${omar}/summary`).set('Authorization', `Bearer ${token}`);
      expect(summary.status).toBe(200);
      const email = summary.body.data.addresses.find((a: { channel: string }) => a.channel === 'email');
      expect(email.state).toBe('active');
      expect(email.providerLifts.map((l: ProviderLift) => l.result)).toEqual(['lifted', 'lifted', 'not_listed', 'lifted']);
    });
  });

  describe('a provider that cannot lift it', () => {
    it('reports Postmark’s refusal and a provider that is down, and the reactivation stands', async () => {
      fake.failures.push({ method: 'DELETE', when: (path) => path.startsWith('/mailgun/v3/mg.example.ac.uk/complaints/'), status: 503 });
      const response = await reactivate('email', 'lea@example.ac.uk');
      expect(response.status).toBe(200);
      const lifts = byProvider(response.body.data.providerLifts);
      expect(lifts.postmark).toMatchObject({ result: 'failed' });
      expect(lifts.postmark.detail).toMatch(/outbound: postmark: You do not have the required authority/);
      expect(lifts.mailgun).toMatchObject({ result: 'failed' });
      expect(lifts.mailgun.detail).toMatch(/complaints: mailgun: lifting from complaints: answered 503/);
      expect(listed('postmark:outbound', 'lea@example.ac.uk')).toBe(true);
      expect(await ledger('email', 'lea@example.ac.uk')).toMatchObject({ state: 'active' });
    });

    it('is not suppressed again by the next pull: the listing is older than the reactivation', async () => {
      const results = await pullAll();
      expect(results.every((r) => r.status === 'done')).toBe(true);
      expect(await ledger('email', 'lea@example.ac.uk')).toMatchObject({ state: 'active' });
      expect(await ledger('email', 'omar@example.ac.uk')).toMatchObject({ state: 'active' });
    });
  });

  describe('two editors reactivating the same address at once', () => {
    it('reactivate it once and push it once; the other is told it is already active', async () => {
      const deletesBefore = fake.requests.filter((r) => r.method === 'DELETE' && decodeURIComponent(r.path).includes('zoe@example.ac.uk')).length;
      const answers = await Promise.all([reactivate('email', 'zoe@example.ac.uk'), reactivate('email', 'zoe@example.ac.uk')]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(answers.find((a) => a.status === 409)!.body.error.message).toMatch(/already active/);
      const audit = await table(app.strapi, UID.audit).findMany({ where: { address: 'zoe@example.ac.uk' } });
      expect(audit.map((a) => a.action).sort()).toEqual(['lift-provider-suppressions', 'reactivate-address']);
      expect(listed('mailgun:unsubscribes', 'zoe@example.ac.uk')).toBe(false);
      const deletes = fake.requests.filter((r) => r.method === 'DELETE' && decodeURIComponent(r.path).includes('zoe@example.ac.uk')).length - deletesBefore;
      expect(deletes).toBeGreaterThan(0);
      expect(await ledger('email', 'zoe@example.ac.uk')).toMatchObject({ state: 'active' });
    });
  });

  describe('an SMS opt-out', () => {
    it('is not reactivated by an editor: only the student can lift it, by texting START', async () => {
      const log = await createLog(app, { channel: 'sms', address: '+447700900555', provider: 'twilio' });
      await applyEvents(app, [
        eventFor(log, { provider: 'twilio', kind: 'opt_out', rawType: 'failed', rawCode: '21610', severity: 'permanent' }),
      ]);
      const response = await reactivate('sms', '+447700900555');
      expect(response.status).toBe(409);
      expect(response.body.error.message).toMatch(/only the student can opt back in, by texting START/);
      expect(await ledger('sms', '+447700900555')).toMatchObject({ state: 'opted_out' });
    });
  });

  describe('the drift report', () => {
    const drift = (query = '') =>
      request(app.server).get(`/deliverability/suppression-sync/drift${query}`).set('Authorization', `Bearer ${token}`);
    const lift = (provider: string) =>
      request(app.server).post(`/deliverability/suppression-sync/drift/${provider}/lift`).set('Authorization', `Bearer ${token}`);

    it('counts, per provider, the addresses it suppresses that are usable here, and lists them', async () => {
      const response = await drift();
      expect(response.status).toBe(200);
      // Léa was reactivated here, but Postmark refused to lift her complaint and Mailgun was down.
      expect(response.body.data.counts).toEqual({ mailgun: 1, postmark: 1 });
      expect(
        response.body.data.results.map((r: { provider: string; list: string; address: string; state: string }) => [
          r.provider,
          r.list,
          r.address,
          r.state,
        ]),
      ).toEqual([
        ['mailgun', 'complaints', 'lea@example.ac.uk', 'active'],
        ['postmark', 'outbound', 'lea@example.ac.uk', 'active'],
      ]);
      expect((await drift('?provider=postmark')).body.data.pagination.total).toBe(1);
      expect((await drift('?provider=twilio')).status).toBe(400);
    });

    it('reconciles a provider by lifting its drifted addresses there, and says what it could not lift', async () => {
      const mailgun = await lift('mailgun');
      expect(mailgun.status).toBe(200);
      expect(mailgun.body.data).toEqual({ provider: 'mailgun', lifted: 1, failed: [], remaining: 0 });
      expect(listed('mailgun:complaints', 'lea@example.ac.uk')).toBe(false);
      const postmark = await lift('postmark');
      expect(postmark.body.data).toMatchObject({ provider: 'postmark', lifted: 0, remaining: 1 });
      expect(postmark.body.data.failed[0].detail).toMatch(/required authority/);
      expect((await drift()).body.data.counts).toEqual({ postmark: 1 });
      const audit = await table(app.strapi, UID.audit).findMany({
        where: { address: 'lea@example.ac.uk', action: 'lift-provider-suppressions' },
      });
      expect(audit).toHaveLength(3);
    });

    it('forgets a listing the provider no longer holds at the next complete pull', async () => {
      // Lifted by hand in Postmark's console.
      fake.lists.set('postmark:outbound', []);
      await pullAll();
      expect((await drift()).body.data.counts).toEqual({});
    });
  });
});
