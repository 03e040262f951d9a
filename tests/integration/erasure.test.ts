/**
 * Erasing a student (a privacy request): their messages, events, ledger rows, pulled listings,
 * audit entries and (the plugin's own type) the contact are deleted in one transaction, and no
 * table of the plugin holds their address any more; each suppressed address is kept as a salted
 * hash, so a later send to it is still dropped, and a later event about it still finds it suppressed.
 */
import request from 'supertest';
import { adminToken, apiToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, applyEvents, createContact, createLog, eventFor, tokenWithActions, UID } from '../helpers/admin';
import { sandboxConfig } from '../helpers/sandbox';
import { everyDatabase, suiteDatabase, type SuiteDatabase } from '../helpers/each-database';
import { table } from '../../server/src/utils/plugin';

describe.each(everyDatabase('erasure.test.ts'))('on %s', (kind) => {
  let db: SuiteDatabase;
  let app: TestApp;
  let token: string;
  let api: string;
  let student: string;
  const SALT = 'test-erasure-salt-0123456789';

  beforeAll(async () => {
    const port = await freePort();
    db = await suiteDatabase(kind, 'erasure');
    app = await startApp('erasure', { pluginConfig: sandboxConfig(port, { erasure: { salt: SALT } }), port, database: db.connection });
    await listen(app, port);
    token = await adminToken(app);
    api = await apiToken(app);
    student = await createContact(app, {
      firstName: 'Lena',
      lastName: 'Fischer',
      email: 'lena.fischer@example.ac.uk',
      mobile: '+447700900777',
    });
    const bounced = await createLog(app, { contact: student, address: 'lena.fischer@example.ac.uk' });
    const texted = await createLog(app, { contact: student, channel: 'sms', address: '+447700900777', provider: 'twilio' });
    await applyEvents(app, [
      eventFor(bounced, { kind: 'hard_bounce', rawCode: '5.1.1', rawText: 'No such user lena.fischer', severity: 'permanent' }),
      eventFor(texted, { provider: 'twilio', kind: 'delivered' }),
      // An event about her address that matched no message (mail from another system).
      eventFor(null, { address: 'lena.fischer@example.ac.uk', kind: 'hard_bounce', severity: 'permanent' }),
    ]);
    // Her consent history: a STOP and a START texted from her number (through the one writer of consent rows).
    await (app.strapi.plugin('deliverability').service('consent') as { record(entries: unknown[]): Promise<number> }).record(
      (['opt_out', 'opt_in'] as const).map((action, i) => ({
        channel: 'sms',
        address: '+447700900777',
        action,
        via: 'sms_keyword',
        actor: 'student',
        words: action === 'opt_out' ? 'Stop' : 'START',
        provider: 'twilio',
        eventKey: `twilio:SMerasure${i}`,
        occurredAt: Date.now() - (2 - i) * 60_000,
      })),
    );
    await request(app.server)
      .post('/deliverability/addresses/reactivate')
      .set('Authorization', `Bearer ${token}`)
      .send({ channel: 'sms', address: '+447700900777', reason: 'checked' });
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  const erase = (jwt = token) => request(app.server).post(`/deliverability/contacts/${student}/erase`).set('Authorization', `Bearer ${jwt}`);

  /** Every row of every plugin table, as text. */
  async function everything(): Promise<string> {
    const uids = Object.values(UID);
    const rows = await Promise.all(uids.map((uid) => table(app.strapi, uid).findMany({})));
    return JSON.stringify(rows);
  }

  describe('erasing a student', () => {
    it('refuses editors without the action', async () => {
      const reader = await tokenWithActions(app, 'Reader', [ACTIONS.logsRead]);
      expect((await erase(reader)).status).toBe(403);
      expect(await everything()).toContain('lena.fischer@example.ac.uk');
    });

    it('deletes their data, keeps the suppressed address as a hash only, and no table holds the address', async () => {
      const response = await erase();
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({ messages: 2, suppressedAddressesKeptAsHashes: 1, contactDeleted: true });
      expect(response.body.data.events).toBe(3);
      const all = await everything();
      expect(all).not.toContain('lena.fischer');
      expect(all).not.toContain('447700900777');
      expect(all).not.toContain('Fischer');
      const hashes = await table(app.strapi, UID.erasedAddress).findMany({});
      // Only the suppressed email: the mobile was active again, so nothing of it is kept.
      expect(hashes.map((h) => [h.channel, h.state, String(h.addressHash).length])).toEqual([['email', 'failed', 64]]);
    });

    it('keeps her consent history, the number hashed in place, and whoever knows the number still finds it', async () => {
      const rows = await table(app.strapi, UID.consent).findMany({ orderBy: { occurredAt: 'asc' } });
      expect(rows.map((r) => [r.action, r.words, String(r.address).startsWith('hash:'), String(r.address).length])).toEqual([
        ['opt_out', 'Stop', true, 69],
        ['opt_in', 'START', true, 69],
      ]);
      const history = await request(app.server)
        .get('/deliverability/consent?channel=sms&address=%2B447700900777')
        .set('Authorization', `Bearer ${token}`);
      expect(history.status).toBe(200);
      expect(history.body.data.map((e: { action: string; address: string }) => [e.action, e.address])).toEqual([
        ['opt_in', '+447700900777'],
        ['opt_out', '+447700900777'],
      ]);
    });

    it('still never sends to the erased address: a new send is dropped', async () => {
      const response = await request(app.server)
        .post('/api/deliverability/messages')
        .set('Authorization', `Bearer ${api}`)
        .send({ channel: 'email', to: { address: 'Lena.Fischer@example.ac.uk' }, subject: 'Hello', text: 'Hi', source: 'api' });
      expect(response.status).toBeLessThan(300);
      expect(response.body.data.status).toBe('dropped');
      const other = await request(app.server)
        .post('/api/deliverability/messages')
        .set('Authorization', `Bearer ${api}`)
        .send({ channel: 'sms', to: { address: '+447700900777' }, body: 'Hi', source: 'api' });
      expect(other.body.data.status).not.toBe('dropped');
    });

    it('a retried intake creates new addresses’ rows first, but none for the erased address', async () => {
      const ledger = app.strapi.plugin('deliverability').service('ledger') as {
        createMissing(pairs: { channel: 'email' | 'sms'; address: string }[], now: number): Promise<number>;
      };
      const pairs = [
        { channel: 'email' as const, address: 'lena.fischer@example.ac.uk' },
        { channel: 'email' as const, address: 'new.student@example.ac.uk' },
      ];
      expect(await ledger.createMissing(pairs, Date.now())).toBe(1);
      const rowOf = (address: string) => table(app.strapi, UID.address).findOne({ where: { channel: 'email', address } });
      expect(await rowOf('lena.fischer@example.ac.uk')).toBeNull();
      expect(await rowOf('new.student@example.ac.uk')).toMatchObject({ state: 'active', softBounceCount: 0, bounceScore: 0, reason: null });
      // A row that exists is left as it is.
      expect(await ledger.createMissing(pairs, Date.now())).toBe(0);
    });

    it('answers the address look-up and a later provider event as suppressed', async () => {
      const lookup = await request(app.server)
        .post('/deliverability/addresses/lookup')
        .set('Authorization', `Bearer ${token}`)
        .send({ addresses: [{ channel: 'email', address: 'lena.fischer@example.ac.uk' }] });
      expect(lookup.body.data[0]).toMatchObject({ state: 'failed' });
      await applyEvents(app, [eventFor(null, { address: 'lena.fischer@example.ac.uk', kind: 'delivered' })]);
      expect(
        await table(app.strapi, UID.address).findOne({ where: { channel: 'email', address: 'lena.fischer@example.ac.uk' } }),
      ).toMatchObject({
        state: 'failed',
      });
    });

    it('answers 404 for a student already erased', async () => {
      expect((await erase()).status).toBe(404);
    });
  });
});
