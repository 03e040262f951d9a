/**
 * The report's grouped query on PostgreSQL, whose date arithmetic differs from SQLite's: days
 * in the reader's calendar, the period's edges, and every status counted, from the counts by hour
 * and by quarter-hour; and the hourly counts summed once when two processes boot after an upgrade. Needs
 * DELIVERABILITY_TEST_PG (.ci/run sets it); skipped with a message without it.
 */
import request from 'supertest';
import { Client } from 'pg';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { UID } from '../helpers/admin';
import type { Knex } from 'knex';
import { table } from '../../server/src/utils/plugin';
import { reportCountMismatches } from '../helpers/report-counts';

const PG = process.env.DELIVERABILITY_TEST_PG;
const describePg = PG ? describe : describe.skip;
if (!PG) console.warn('admin-reports-pg.test.ts skipped: set DELIVERABILITY_TEST_PG to a PostgreSQL URL to run it (.ci/run does).');

let app: TestApp;
let token: string;

describePg('reports on PostgreSQL', () => {
  beforeAll(async () => {
    const url = new URL(PG!);
    // The test database is shared with the multi-instance test, which also starts from a clean schema.
    const db = new Client({ connectionString: PG });
    await db.connect();
    await db.query('drop schema if exists public cascade; create schema public;');
    await db.end();
    app = await startApp('admin-reports-pg', {
      database: {
        client: 'postgres',
        connection: { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) },
      },
    });
    token = await adminToken(app);
    const rows = [
      ['2026-03-01T12:00:00Z', 'email', 'delivered'],
      ['2026-03-01T12:00:00Z', 'email', 'bounced'],
      ['2026-03-01T12:00:00Z', 'sms', 'failed'],
      ['2026-03-02T23:30:00Z', 'email', 'delivered'],
      ['2026-02-28T23:59:00Z', 'email', 'bounced'],
    ].map(([at, channel, status], i) => ({
      channel,
      status,
      address: `pg${i}@example.ac.uk`,
      source: 'touchpoint',
      attempts: 1,
      documentId: `pg-report-${i}`,
      createdAt: new Date(at),
      updatedAt: new Date(at),
    }));
    await table(app.strapi, UID.log).createMany({ data: rows });
    // Rows written straight into the table, behind the plugin's back: the report counts are recounted from them.
    await (app.strapi.plugin('deliverability').service('report-rollup') as { rebuild(): Promise<unknown> }).rebuild();
  });

  afterAll(async () => {
    await app?.stop();
  });

  it("counts by the reader's calendar day, with the edges of the period exact", async () => {
    const utc = await request(app.server).get('/deliverability/reports?from=2026-03-01&to=2026-03-03').set('Authorization', `Bearer ${token}`);
    expect(utc.status).toBe(200);
    expect(utc.body.data.days.map((d: { channels: { email: { delivered: number } } }) => d.channels.email.delivered)).toEqual([1, 1, 0]);
    // 2026-03-02 23:30 UTC belongs to the 2nd in UTC, and to the 3rd in UTC+1.
    const utcBucket = await request(app.server).get('/deliverability/reports?from=2026-03-02&to=2026-03-03').set('Authorization', `Bearer ${token}`);
    expect(utcBucket.body.data.days.map((d: { channels: { email: { delivered: number } } }) => d.channels.email.delivered)).toEqual([1, 0]);
    const plusOne = await request(app.server).get('/deliverability/reports?from=2026-03-02&to=2026-03-03&tzOffset=60').set('Authorization', `Bearer ${token}`);
    expect(plusOne.body.data.days.map((d: { channels: { email: { delivered: number } } }) => d.channels.email.delivered)).toEqual([0, 1]);
    // 2026-02-28 23:59 UTC is outside a period starting on 1 March in UTC, inside it in UTC+1.
    expect(utc.body.data.totals).toMatchObject({ total: 4, bounced: 1, failed: 1 });
    const plusOneMarch = await request(app.server).get('/deliverability/reports?from=2026-03-01&to=2026-03-01&tzOffset=60').set('Authorization', `Bearer ${token}`);
    expect(plusOneMarch.body.data.totals).toMatchObject({ total: 4, bounced: 2 });
    // UTC+05:30 reads the counts by quarter-hour, UTC and UTC+1 the counts by hour: the same messages.
    const india = await request(app.server).get('/deliverability/reports?from=2026-02-28&to=2026-03-03&tzOffset=330').set('Authorization', `Bearer ${token}`);
    expect(india.body.data.totals).toMatchObject({ total: 5, delivered: 2, bounced: 2, failed: 1 });
  });

  it('two processes booting at once after an upgrade sum the hourly counts once: one sums, the other waits and finds them', async () => {
    const knex = app.strapi.db.connection as unknown as Knex;
    const hours = () => knex('deliverability_report_hours').select('bucket', 'channel', 'status', 'messages').orderBy(['bucket', 'channel', 'status']);
    const before = await hours();
    expect(before.length).toBeGreaterThan(0);
    await knex('deliverability_report_hours').delete();
    const rollup = app.strapi.plugin('deliverability').service('report-rollup') as { rebuildIfMissing(): Promise<boolean> };
    // Two transactions on two connections of the pool, side by side, as two booting processes would run them.
    expect(await Promise.all([rollup.rebuildIfMissing(), rollup.rebuildIfMissing()])).toEqual([false, false]);
    expect(await hours()).toEqual(before);
    expect(await reportCountMismatches(knex)).toEqual([]);
  });
});
