/**
 * Reactivation that waits for the student (`reactivation.requireVerification`), on every database:
 * the editor's reactivation leaves the address suppressed, records a pending verification (audited,
 * on the student's Full Logs card) and sends, through the sandbox and past the suppression, a signed
 * link by email or a six-digit code by SMS. The public confirm route reactivates the address once;
 * forged or expired links, wrong codes and unknown numbers change nothing (but the code's attempt
 * counter, which locks it); parallel confirms of one link reactivate it exactly once.
 */
import request from 'supertest';
import { adminToken, apiToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, applyEvents, createContact, eventFor, tokenWithActions, UID } from '../helpers/admin';
import { everyDatabase, suiteDatabase, type SuiteDatabase } from '../helpers/each-database';
import { sandboxConfig } from '../helpers/sandbox';
import { startFakeProviderLists, syncConfigFor, type FakeProviderLists } from '../helpers/fake-provider-lists';
import { signLinkToken } from '../../server/src/core/verification';
import { table } from '../../server/src/utils/plugin';
import type { SandboxTransport } from '../../server/src/transports/sandbox';
import type { OutgoingMessage } from '../../server/src/transports/types';

const SECRET = 'verification-test-secret-0123456789';
const CONFIRM = '/api/deliverability/verifications/confirm';
const RATE = 40;

describe.each(everyDatabase('verification.test.ts'))('on %s', (kind) => {
  let db: SuiteDatabase;
  let app: TestApp;
  let token: string;
  let amira: string;
  let fake: FakeProviderLists;

  beforeAll(async () => {
    const port = await freePort();
    // The providers' own lists, as fake APIs on 127.0.0.1 (the verification is lifted there before it is sent).
    fake = await startFakeProviderLists();
    db = await suiteDatabase(kind, 'verification');
    app = await startApp('verification', {
      port,
      database: db.connection,
      pluginConfig: sandboxConfig(port, {
        reactivation: { requireVerification: true, secret: SECRET, maxCodeAttempts: 3, confirmRatePerMinute: RATE },
        sync: syncConfigFor(fake),
      }),
    });
    await listen(app, port);
    token = await adminToken(app);
    amira = await createContact(app, { firstName: 'Amira', lastName: 'Haddad', email: 'amira@example.ac.uk', mobile: '+447700900801' });
    await createContact(app, { firstName: 'Tomas', lastName: 'Berg', email: 'tomas@example.ac.uk' });
    const sms = { provider: 'twilio' as const, channel: 'sms' as const, severity: 'permanent' as const };
    await applyEvents(app, [
      eventFor(null, { address: 'amira@example.ac.uk', kind: 'hard_bounce', rawCode: '5.1.1', severity: 'permanent' }),
      eventFor(null, { address: 'tomas@example.ac.uk', kind: 'hard_bounce', rawCode: '5.1.1', severity: 'permanent' }),
      eventFor(null, { ...sms, address: '+447700900801', kind: 'hard_bounce', rawCode: '21614' }),
    ]);
  });

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await db?.drop();
  });

  const reactivate = (channel: string, address: string) =>
    request(app.server)
      .post('/deliverability/addresses/reactivate')
      .set('Authorization', `Bearer ${token}`)
      .send({ channel, address, reason: 'The student phoned: the mailbox works again' });
  const confirm = (body: Record<string, unknown>) => request(app.server).post(CONFIRM).send(body);
  const ledger = (channel: string, address: string) => table(app.strapi, UID.address).findOne({ where: { channel, address } });
  const received = (channel: 'email' | 'sms'): OutgoingMessage[] =>
    (app.strapi.plugin('deliverability').service('transports') as { for(c: string): SandboxTransport }).for(channel).received;
  const lastTo = (channel: 'email' | 'sms', address: string): OutgoingMessage => received(channel).filter((m) => m.to === address).pop()!;
  const textOf = (message: OutgoingMessage): string => {
    const content = message.content as { text?: string; body?: string };
    return content.text ?? content.body ?? '';
  };
  const linkToken = (address: string): string => /[?&]token=([^\s&]+)/.exec(textOf(lastTo('email', address)))![1];
  const smsCode = (address: string): string => /\b(\d{6})\b/.exec(textOf(lastTo('sms', address)))![1];
  const audits = (address: string, action: string) => table(app.strapi, UID.audit).count({ where: { address, action } });
  const emailCard = async (contact: string) => {
    const summary = await request(app.server).get(`/deliverability/contacts/${contact}/summary`).set('Authorization', `Bearer ${token}`);
    return summary.body.data.addresses.find((a: { channel: string }) => a.channel === 'email');
  };

  describe('an editor reactivates a failed email address', () => {
    let verification: { documentId: string; status: string; method: string; expiresAt: string };

    beforeAll(async () => {
      const response = await reactivate('email', 'Amira@example.ac.uk');
      expect(response.status).toBe(200);
      verification = response.body.data.verification;
    });

    it('leaves it failed, records a pending verification, and shows it on the Full Logs card', async () => {
      expect(verification).toMatchObject({ status: 'pending', method: 'link', purpose: 'reactivation', requestedBy: 'Test Admin' });
      expect(new Date(verification.expiresAt).getTime()).toBeGreaterThan(Date.now() + 47 * 3_600_000);
      expect(await ledger('email', 'amira@example.ac.uk')).toMatchObject({ state: 'failed' });
      expect(await audits('amira@example.ac.uk', 'request-verification')).toBe(1);
      expect(await audits('amira@example.ac.uk', 'reactivate-address')).toBe(0);
      const card = await emailCard(amira);
      expect(card).toMatchObject({ state: 'failed', verification: { documentId: verification.documentId, status: 'pending', expired: false } });
    });

    it('sends the link past the suppression, while any other message to the address is still dropped', async () => {
      const message = lastTo('email', 'amira@example.ac.uk');
      expect(textOf(message)).toContain(`${CONFIRM}?token=${verification.documentId}.`);
      const log = await table(app.strapi, UID.log).findOne({ where: { documentId: message.logDocumentId } });
      expect(log).toMatchObject({ source: 'verification', status: expect.not.stringMatching(/dropped/) });
      const messages = app.strapi.plugin('deliverability').service('messages') as { send(input: unknown): Promise<{ status: string }> };
      const other = await messages.send({ channel: 'email', to: { address: 'amira@example.ac.uk' }, subject: 'Timetable', text: 'Hi' });
      expect(other.status).toBe('dropped');
    });

    it('refuses the verification source from the public send API', async () => {
      const api = await apiToken(app);
      const response = await request(app.server)
        .post('/api/deliverability/messages')
        .set('Authorization', `Bearer ${api}`)
        .send({ channel: 'email', to: { address: 'amira@example.ac.uk' }, subject: 'x', text: 'y', source: 'verification' });
      expect(response.status).toBe(400);
      expect(await audits('amira@example.ac.uk', 'reactivate-address')).toBe(0);
    });

    it('refuses forged, edited and expired links with a 4xx, changing nothing', async () => {
      const genuine = linkToken('amira@example.ac.uk');
      const [id, expires, signature] = genuine.split('.');
      const answers = await Promise.all([
        confirm({ token: `${id}.${Number(expires) + 3600}.${signature}` }),
        confirm({ token: signLinkToken('not-the-site-secret-at-all-0000', id, Date.now() + 3_600_000) }),
        confirm({ token: signLinkToken(SECRET, 'no-such-verification', Date.now() + 3_600_000) }),
        confirm({ token: signLinkToken(SECRET, id, Date.now() - 1000) }),
        confirm({}),
      ]);
      expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 410, 400]);
      const service = app.strapi.plugin('deliverability').service('verification') as { confirmLink(t: string, now: number): Promise<unknown> };
      await expect(service.confirmLink(genuine, Date.now() + 49 * 3_600_000)).rejects.toMatchObject({ status: 410 });
      expect(await ledger('email', 'amira@example.ac.uk')).toMatchObject({ state: 'failed' });
      expect(await audits('amira@example.ac.uk', 'confirm-verification')).toBe(0);
    });

    it('makes the address active when the student confirms, once, and a repeated confirm changes nothing', async () => {
      const genuine = linkToken('amira@example.ac.uk');
      const first = await confirm({ token: genuine });
      expect(first.status).toBe(200);
      expect(first.body.data).toEqual({ confirmed: true, alreadyConfirmed: false });
      expect(await ledger('email', 'amira@example.ac.uk')).toMatchObject({ state: 'active', reactivatedBy: 'Test Admin' });
      const again = await confirm({ token: genuine });
      expect(again.body.data).toEqual({ confirmed: true, alreadyConfirmed: true });
      expect(await audits('amira@example.ac.uk', 'reactivate-address')).toBe(1);
      expect(await audits('amira@example.ac.uk', 'confirm-verification')).toBe(1);
      const card = await emailCard(amira);
      expect(card.state).toBe('active');
      expect(card.verification).toBeUndefined();
      expect(await table(app.strapi, UID.contact).findOne({ where: { documentId: amira } })).toMatchObject({ emailStatus: 'active' });
    });

    it('answers the emailed link with a page whose button confirms (a scanner opening it confirms nothing)', async () => {
      const page = await request(app.server).get(`${CONFIRM}?token=${encodeURIComponent('x"><script>')}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<form method="post">');
      expect(page.text).not.toContain('<script>');
    });
  });

  it('reactivates once when the same link is confirmed many times at once', async () => {
    expect((await reactivate('email', 'tomas@example.ac.uk')).status).toBe(200);
    const genuine = linkToken('tomas@example.ac.uk');
    const answers = await Promise.all(Array.from({ length: 8 }, () => confirm({ token: genuine })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.filter((a) => a.body.data.alreadyConfirmed === false)).toHaveLength(1);
    expect(await audits('tomas@example.ac.uk', 'reactivate-address')).toBe(1);
    expect(await audits('tomas@example.ac.uk', 'confirm-verification')).toBe(1);
    expect(await ledger('email', 'tomas@example.ac.uk')).toMatchObject({ state: 'active' });
  });

  it('lifts the address at the providers before sending the verification, so that it can arrive', async () => {
    await createContact(app, { firstName: 'Ivo', lastName: 'Horvat', email: 'ivo@example.ac.uk' });
    fake.seed('sendgrid:bounces', [{ address: 'ivo@example.ac.uk', created: Math.floor(Date.now() / 1000) - 86_400 }]);
    await (app.strapi.plugin('deliverability').service('suppression-sync') as { pullAll(): Promise<unknown> }).pullAll();
    expect((await ledger('email', 'ivo@example.ac.uk'))!.state).not.toBe('active');
    const response = await reactivate('email', 'ivo@example.ac.uk');
    expect(response.body.data.verification).toMatchObject({ status: 'pending' });
    expect(response.body.data.providerLifts.find((l: { provider: string }) => l.provider === 'sendgrid')).toMatchObject({ result: 'lifted' });
    expect((fake.lists.get('sendgrid:bounces') ?? []).some((e) => e.address === 'ivo@example.ac.uk')).toBe(false);
    // Only the providers' lists: here, the address waits for the student.
    expect((await ledger('email', 'ivo@example.ac.uk'))!.state).not.toBe('active');
    expect(lastTo('email', 'ivo@example.ac.uk')).toBeDefined();
  });

  describe('an SMS code', () => {
    const number = '+447700900801';

    it('locks after the allowed wrong codes, answering the same as for a number with no verification', async () => {
      expect((await reactivate('sms', number)).body.data.verification).toMatchObject({ method: 'code', status: 'pending' });
      const code = smsCode(number);
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const refusals = [];
      for (let i = 0; i < 3; i += 1) refusals.push(await confirm({ address: number, code: wrong }));
      const unknown = await confirm({ address: '+447700900899', code });
      const lockedOut = await confirm({ address: '07700 900801', code });
      for (const answer of [...refusals, unknown, lockedOut]) {
        expect(answer.status).toBe(400);
        expect(answer.body.error.message).toBe(refusals[0].body.error.message);
      }
      const row = await table(app.strapi, UID.verification).findOne({ where: { channel: 'sms', address: number, status: 'pending' } });
      expect(row).toMatchObject({ attempts: 3 });
      expect(await ledger('sms', number)).toMatchObject({ state: 'failed' });
      // The card tells the editor the code is void, so that they send it again.
      const summary = await request(app.server).get(`/deliverability/contacts/${amira}/summary`).set('Authorization', `Bearer ${token}`);
      const smsCard = summary.body.data.addresses.find((a: { channel: string }) => a.channel === 'sms');
      expect(smsCard.verification).toMatchObject({ status: 'pending', locked: true, expired: false });
    });

    it('confirms with the code of a new verification, which supersedes the locked one', async () => {
      expect((await reactivate('sms', number)).status).toBe(200);
      const answer = await confirm({ address: number, code: smsCode(number) });
      expect(answer.status).toBe(200);
      expect(await ledger('sms', number)).toMatchObject({ state: 'active' });
      const rows = await table(app.strapi, UID.verification).findMany({ where: { channel: 'sms', address: number }, orderBy: { id: 'asc' } });
      expect(rows.map((r) => r.status)).toEqual(['superseded', 'confirmed']);
    });
  });

  describe("an editor changes a failed student's address", () => {
    const messages = () => app.strapi.plugin('deliverability').service('messages') as { send(input: unknown): Promise<{ status: string; id: string }> };
    const send = (address: string) => messages().send({ channel: 'email', to: { address }, subject: 'Timetable', text: 'Hi' });
    let lina: string;

    beforeAll(async () => {
      lina = await createContact(app, { firstName: 'Lina', lastName: 'Park', email: 'lina.old@example.ac.uk' });
      await applyEvents(app, [eventFor(null, { address: 'lina.old@example.ac.uk', kind: 'hard_bounce', severity: 'permanent' })]);
      await app.strapi.documents(UID.contact as 'plugin::deliverability.contact').update({ documentId: lina, data: { email: 'lina.new@example.ac.uk' } } as never);
    });

    it('holds the new address until the student confirms it: only the verification gets through', async () => {
      const row = await table(app.strapi, UID.verification).findOne({ where: { address: 'lina.new@example.ac.uk' } });
      expect(row).toMatchObject({ purpose: 'address-change', status: 'pending', contactDocumentId: lina });
      expect(textOf(lastTo('email', 'lina.new@example.ac.uk'))).toContain(`${CONFIRM}?token=`);
      const held = await send('lina.new@example.ac.uk');
      expect(held.status).toBe('dropped');
      const log = await table(app.strapi, UID.log).findOne({ where: { documentId: held.id } });
      expect(log!.statusReason).toMatch(/has not confirmed this new address/);
      expect((await emailCard(lina)).verification).toMatchObject({ purpose: 'address-change', status: 'pending' });
    });

    it('lets messages through once the student confirmed it, with nothing to reactivate', async () => {
      const answer = await confirm({ token: linkToken('lina.new@example.ac.uk') });
      expect(answer.body.data).toEqual({ confirmed: true, alreadyConfirmed: false });
      expect((await send('lina.new@example.ac.uk')).status).not.toBe('dropped');
      expect(await audits('lina.new@example.ac.uk', 'confirm-verification')).toBe(1);
      expect(await audits('lina.new@example.ac.uk', 'reactivate-address')).toBe(0);
      expect(await ledger('email', 'lina.old@example.ac.uk')).toMatchObject({ state: 'failed' });
    });
  });

  describe('an editor sends a pending verification again', () => {
    const address = 'noor@example.ac.uk';
    let noor: string;
    const resend = (documentId: string, bearer = token) =>
      request(app.server).post(`/deliverability/verifications/${documentId}/resend`).set('Authorization', `Bearer ${bearer}`).send({});

    beforeAll(async () => {
      noor = await createContact(app, { firstName: 'Noor', lastName: 'Aziz', email: address });
      await applyEvents(app, [eventFor(null, { address, kind: 'hard_bounce', rawCode: '5.1.1', severity: 'permanent' })]);
    });

    it("sends a new link, voids the old one, audits it in the editor's name, and the new link confirms", async () => {
      const first = (await reactivate('email', address)).body.data.verification as { documentId: string };
      const oldLink = linkToken(address);
      const sent = received('email').length;
      const answer = await resend(first.documentId);
      expect(answer.status).toBe(200);
      const second = answer.body.data as { documentId: string; status: string; requestedBy: string; reason: string };
      expect(second).toMatchObject({
        status: 'pending',
        method: 'link',
        purpose: 'reactivation',
        requestedBy: 'Test Admin',
        reason: 'The student phoned: the mailbox works again',
      });
      expect(second.documentId).not.toBe(first.documentId);
      expect(received('email').length).toBe(sent + 1);
      expect(linkToken(address)).not.toBe(oldLink);
      const audit = await table(app.strapi, UID.audit).findOne({ where: { address, action: 'resend-verification' } });
      expect(audit).toMatchObject({ actorName: 'Test Admin' });
      expect(JSON.stringify(audit)).toContain(first.documentId);
      expect((await emailCard(noor)).verification).toMatchObject({ documentId: second.documentId, status: 'pending' });
      expect((await confirm({ token: oldLink })).status).toBe(410);
      expect(await ledger('email', address)).toMatchObject({ state: 'failed' });
      expect((await confirm({ token: linkToken(address) })).status).toBe(200);
      expect(await ledger('email', address)).toMatchObject({ state: 'active' });
    });

    it('refuses one no longer pending (409), an unknown one (404) and an editor without the reactivation permission (403), sending nothing', async () => {
      const rows = await table(app.strapi, UID.verification).findMany({ where: { address }, orderBy: { id: 'asc' } });
      expect(rows.map((r) => r.status)).toEqual(['superseded', 'confirmed']);
      const sent = received('email').length;
      expect((await resend(rows[0].documentId)).status).toBe(409);
      expect((await resend(rows[1].documentId)).status).toBe(409);
      expect((await resend('no-such-verification')).status).toBe(404);
      const reader = await tokenWithActions(app, 'Reader', [ACTIONS.logsRead]);
      expect((await resend(rows[1].documentId, reader)).status).toBe(403);
      expect(received('email').length).toBe(sent);
      expect(await table(app.strapi, UID.verification).count({ where: { address } })).toBe(2);
    });

    it('sends one new verification when two editors press Send again at once', async () => {
      await applyEvents(app, [eventFor(null, { address, kind: 'hard_bounce', rawCode: '5.1.1', severity: 'permanent' })]);
      const pending = (await reactivate('email', address)).body.data.verification as { documentId: string };
      const answers = await Promise.all([resend(pending.documentId), resend(pending.documentId), resend(pending.documentId)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
      expect(await table(app.strapi, UID.verification).count({ where: { address, status: 'pending' } })).toBe(1);
      expect(await audits(address, 'resend-verification')).toBe(2);
    });
  });

  it('limits how often one client may call the confirm route', async () => {
    const answers = [];
    for (let i = 0; i < RATE + 1; i += 1) answers.push(await confirm({ token: 'x.1.y' }));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0].headers['retry-after'])).toBeGreaterThan(0);
  });
});
