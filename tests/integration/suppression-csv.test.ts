/**
 * The suppression list as CSV: the export holds every row the list page's filters select; an
 * import from another system is validated row by row and applied all or nothing, through the same
 * decisions as a provider's report, with a report of what was refused and why.
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, applyEvents, createContact, eventFor, tokenWithActions, UID } from '../helpers/admin';
import { everyDatabase, suiteDatabase, type SuiteDatabase } from '../helpers/each-database';
import { table } from '../../server/src/utils/plugin';
import { parseCsv } from '../../server/src/core/csv';

describe.each(everyDatabase('suppression-csv.test.ts'))('on %s', (kind) => {
  let db: SuiteDatabase;
  let app: TestApp;
  let token: string;

  const exportCsv = (query = '', jwt = token) =>
    request(app.server).get(`/deliverability/suppressions/export${query}`).set('Authorization', `Bearer ${jwt}`);
  const importCsv = (csv: string, jwt = token) =>
    request(app.server).post('/deliverability/suppressions/import').set('Authorization', `Bearer ${jwt}`).send({ csv });
  const ledger = (channel: string, address: string) => table(app.strapi, UID.address).findOne({ where: { channel, address } });
  const counts = async () => ({
    addresses: await table(app.strapi, UID.address).count({}),
    events: await table(app.strapi, UID.event).count({}),
  });

  beforeAll(async () => {
    db = await suiteDatabase(kind, 'suppression-csv');
    app = await startApp('suppression-csv', { database: db.connection });
    token = await adminToken(app);
    await applyEvents(app, [
      eventFor(null, {
        address: 'bounced@example.ac.uk',
        kind: 'hard_bounce',
        rawText: 'No such user, "really"',
        occurredAt: Date.UTC(2026, 0, 5),
      }),
      eventFor(null, { address: 'spam@example.ac.uk', kind: 'complaint', occurredAt: Date.UTC(2026, 0, 6) }),
      eventFor(null, { provider: 'twilio', channel: 'sms', address: '+447700900111', kind: 'opt_out', occurredAt: Date.UTC(2026, 0, 7) }),
    ]);
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  describe('exporting', () => {
    it('writes every suppressed address as CSV, with the list page’s filters', async () => {
      const all = await exportCsv();
      expect(all.status).toBe(200);
      expect(all.headers['content-type']).toMatch(/text\/csv/);
      expect(all.headers['content-disposition']).toMatch(/attachment; filename="suppressions-\d{4}-\d{2}-\d{2}\.csv"/);
      const rows = parseCsv(all.text);
      expect(rows[0]).toEqual(['address', 'channel', 'state', 'reason', 'date', 'provider', 'provider_code', 'reactivated_at']);
      expect(
        rows
          .slice(1)
          .map((r) => [r[0], r[1], r[2]])
          .sort(),
      ).toEqual([
        ['+447700900111', 'sms', 'opted_out'],
        ['bounced@example.ac.uk', 'email', 'failed'],
        ['spam@example.ac.uk', 'email', 'complained'],
      ]);
      const filtered = parseCsv((await exportCsv('?channel=email&state=failed')).text);
      expect(filtered.slice(1).map((r) => r[0])).toEqual(['bounced@example.ac.uk']);
      expect((await exportCsv('?state=gone')).status).toBe(400);
    });
  });

  describe('importing', () => {
    it('refuses a file with any bad row, says which and why, and changes nothing', async () => {
      const before = await counts();
      const response = await importCsv(
        'address,channel,state,reason,date\nnew1@example.ac.uk,email,failed,Gone,2026-02-01\nnope,email,failed,,\n+447700900222,sms,unsubscribed,,\n',
      );
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(/2 row\(s\) refused; nothing was imported/);
      expect(response.body.data.refused).toEqual([
        { line: 3, reason: 'the address is not a valid email address.' },
        { line: 4, reason: 'unsubscribed does not apply to sms.' },
      ]);
      expect(response.body.error.details).toEqual(response.body.data);
      expect(await counts()).toEqual(before);
      expect(await ledger('email', 'new1@example.ac.uk')).toBeNull();
    });

    it('applies a valid file in full: addresses suppressed with the file’s reason and date, badges following', async () => {
      const student = await createContact(app, { firstName: 'Ines', lastName: 'Moreau', email: 'Ines.Moreau@example.ac.uk' });
      const response = await importCsv(
        'address,channel,state,reason,date\nines.moreau@example.ac.uk,email,unsubscribed,Asked by letter,2026-02-01T09:00:00Z\n+44 7700 900333,sms,opted_out,,2026-02-02\nspam@example.ac.uk,email,failed,,2026-02-03\n',
      );
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ rows: 3, applied: 3, alreadyImported: 0, refused: [] });
      expect(await ledger('email', 'ines.moreau@example.ac.uk')).toMatchObject({ state: 'unsubscribed', provider: 'import' });
      expect(new Date((await ledger('email', 'ines.moreau@example.ac.uk'))!.stateEventAt as string).toISOString()).toBe(
        '2026-02-01T09:00:00.000Z',
      );
      expect(await ledger('sms', '+447700900333')).toMatchObject({ state: 'opted_out' });
      // A weaker state never moves an address down: the complaint stands.
      expect(await ledger('email', 'spam@example.ac.uk')).toMatchObject({ state: 'complained' });
      expect(await table(app.strapi, UID.contact).findOne({ where: { documentId: student } })).toMatchObject({ emailStatus: 'unsubscribed' });
      const audit = await table(app.strapi, UID.audit).findMany({ where: { action: 'import-suppressions' } });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actorName: 'Test Admin' });
    });

    it('doubles nothing when the same file is imported again', async () => {
      const before = await counts();
      const response = await importCsv(
        'address,channel,state,reason,date\nines.moreau@example.ac.uk,email,unsubscribed,Asked by letter,2026-02-01T09:00:00Z\n',
      );
      expect(response.body.data).toEqual({ rows: 1, applied: 0, alreadyImported: 1, refused: [] });
      expect((await counts()).events).toBe(before.events);
    });

    it('applies a file once when two editors import it at the same moment', async () => {
      const addresses = Array.from({ length: 25 }, (_, i) => `twice.${i}@example.ac.uk`);
      const csv = `address,channel,state,reason,date\n${addresses.map((a) => `${a},email,failed,Gone,2026-03-01\n`).join('')}`;
      const before = await counts();
      const auditsBefore = await table(app.strapi, UID.audit).count({ where: { action: 'import-suppressions' } });
      const [first, second] = await Promise.all([importCsv(csv), importCsv(csv)]);
      expect([first.status, second.status]).toEqual([200, 200]);
      // Each row was applied by exactly one of the two; the other found it already there.
      expect(first.body.data.applied + second.body.data.applied).toBe(addresses.length);
      expect(first.body.data.alreadyImported + second.body.data.alreadyImported).toBe(addresses.length);
      expect(await counts()).toEqual({ addresses: before.addresses + addresses.length, events: before.events + addresses.length });
      for (const address of addresses) expect(await ledger('email', address)).toMatchObject({ state: 'failed', provider: 'import' });
      // Each editor's import is on record, the one that found everything already there too.
      expect(await table(app.strapi, UID.audit).count({ where: { action: 'import-suppressions' } })).toBe(auditsBefore + 2);
    });

    it('takes the CSV as a text/csv body too, and refuses editors without the action', async () => {
      const response = await request(app.server)
        .post('/deliverability/suppressions/import')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'text/csv')
        .send('address,channel,state\ntext-body@example.ac.uk,email,failed\n');
      expect(response.status).toBe(200);
      expect(await ledger('email', 'text-body@example.ac.uk')).toMatchObject({ state: 'failed' });
      const reader = await tokenWithActions(app, 'Log reader', [ACTIONS.logsRead]);
      expect((await importCsv('address,channel,state\nx@example.ac.uk,email,failed\n', reader)).status).toBe(403);
      expect((await exportCsv('', reader)).status).toBe(200);
    });
  });
});
