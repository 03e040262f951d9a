/**
 * Full Logs on PostgreSQL and MySQL/MariaDB (DELIVERABILITY_TEST_PG / DELIVERABILITY_TEST_MYSQL):
 * the page's reads run side by side there (the student, the page and its count; then the events,
 * audit entries and address states), and the count is SQL of the plugin's own. admin-logs.test.ts
 * covers the page in full on SQLite.
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { applyEvents, createContact, createLog, eventFor } from '../helpers/admin';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';

jest.setTimeout(120_000);

const HOUR = 3_600_000;

function describeFullLogs(kind: ServerKind): void {
  describe(`Full Logs on ${kind}`, () => {
    let app: TestApp;
    let db: ServerDatabase;
    let token: string;
    let student: string;
    let other: string;
    const base = Date.now() - 24 * HOUR;
    const get = (path: string) => request(app.server).get(`/deliverability${path}`).set('Authorization', `Bearer ${token}`);

    beforeAll(async () => {
      db = await createServerDatabase(kind, 'admin-logs');
      app = await startApp(`admin-logs-${kind}`, { pluginConfig: { sending: { email: 'sandbox', sms: 'sandbox' } }, database: db.strapiConnection });
      token = await adminToken(app);
      student = await createContact(app, { firstName: 'Nia', lastName: 'Okafor', email: 'nia.okafor@bounce.test', mobile: '+447700900202' });
      other = await createContact(app, { firstName: 'Tomas', lastName: 'Berg', email: 'tomas.berg@example.ac.uk' });
      // Five delivered emails, one SMS that failed, and the newest email bounced for good.
      for (let i = 0; i < 5; i += 1) {
        const log = await createLog(app, { contact: student, address: 'nia.okafor@bounce.test', createdAt: base + i * HOUR, sourceName: `Newsletter ${i + 1}` });
        await applyEvents(app, [eventFor(log, { kind: 'delivered', occurredAt: base + i * HOUR + 60_000 })]);
      }
      const sms = await createLog(app, { contact: student, channel: 'sms', address: '+447700900202', provider: 'twilio', createdAt: base + 6 * HOUR, sourceName: 'Open day' });
      await applyEvents(app, [eventFor(sms, { provider: 'twilio', kind: 'hard_bounce', rawCode: '30005', severity: 'permanent', occurredAt: base + 6 * HOUR + 60_000 })]);
      const bounced = await createLog(app, { contact: student, address: 'nia.okafor@bounce.test', createdAt: base + 8 * HOUR, sourceName: 'Your timetable' });
      await applyEvents(app, [
        eventFor(bounced, { kind: 'soft_bounce', rawCode: '452 4.2.2', severity: 'transient', occurredAt: base + 8 * HOUR + 60_000 }),
        eventFor(bounced, { kind: 'hard_bounce', rawCode: '550 5.1.1', severity: 'permanent', occurredAt: base + 9 * HOUR }),
      ]);
      // Another student's message: never on this student's page nor in their count.
      await createLog(app, { contact: other, address: 'tomas.berg@example.ac.uk', createdAt: base + 7 * HOUR, sourceName: 'Not hers' });
    });

    afterAll(async () => {
      await app?.stop();
      await db?.drop();
    });

    it("pages a student's messages newest first, counted, each with its own events and address state", async () => {
      const response = await get(`/contacts/${student}/logs?pageSize=3`);
      expect(response.status).toBe(200);
      const { contact, results, pagination } = response.body.data;
      expect(contact).toMatchObject({ documentId: student, displayName: 'Nia Okafor' });
      expect(pagination).toEqual({ page: 1, pageSize: 3, pageCount: 3, total: 7 });
      expect(results.map((r: { sourceName: string }) => r.sourceName)).toEqual(['Your timetable', 'Open day', 'Newsletter 5']);
      const [timetable, sms, newsletter] = results;
      expect(timetable.events.map((e: { kind: string }) => e.kind)).toEqual(['soft_bounce', 'hard_bounce']);
      expect(timetable).toMatchObject({ status: 'bounced', addressState: 'failed' });
      expect(sms).toMatchObject({ status: 'failed', addressState: 'failed' });
      expect(sms.events.map((e: { rawCode: string }) => e.rawCode)).toEqual(['30005']);
      expect(newsletter.events.map((e: { kind: string }) => e.kind)).toEqual(['delivered']);
      // Delivered then, but the address has failed since: the state is the address's now.
      expect(newsletter).toMatchObject({ status: 'delivered', addressState: 'failed' });

      const last = await get(`/contacts/${student}/logs?pageSize=3&page=3`);
      expect(last.body.data.results.map((r: { sourceName: string }) => r.sourceName)).toEqual(['Newsletter 1']);
    });

    it('counts only what the channel and status filters keep', async () => {
      expect((await get(`/contacts/${student}/logs?channel=sms`)).body.data.pagination.total).toBe(1);
      const delivered = (await get(`/contacts/${student}/logs?status=delivered&pageSize=50`)).body.data;
      expect(delivered.pagination.total).toBe(5);
      expect(delivered.results).toHaveLength(5);
      expect((await get(`/contacts/${student}/logs?channel=email&status=bounced`)).body.data.pagination.total).toBe(1);
      expect((await get(`/contacts/${other}/logs`)).body.data.pagination.total).toBe(1);
    });

    it('answers 404 for a student that does not exist', async () => {
      expect((await get('/contacts/does-not-exist/logs')).status).toBe(404);
    });
  });
}

const kinds = serverKinds('admin-logs-servers.test.ts');
if (kinds.length === 0) describe.skip('Full Logs on a database server (none configured)', () => it('is skipped', () => undefined));
kinds.forEach(describeFullLogs);
