/**
 * Reports across daylight-saving changes (issue 11): a London reader's period from October 2025 to
 * March 2026 spans both changes, so no single UTC offset gives every message its local day. The
 * expected day of each message is computed here with Intl, independently of the plugin.
 * Runs on SQLite; on PostgreSQL with DELIVERABILITY_TEST_PG and on MySQL/MariaDB with
 * DELIVERABILITY_TEST_MYSQL (connection URLs), skipped with a message without them.
 */
import request from 'supertest';
import { adminToken, databaseFromUrl, startApp, type TestApp, type TestAppOptions } from '../helpers/app';
import { UID } from '../helpers/admin';
import { table } from '../../server/src/utils/plugin';

const PG = process.env.DELIVERABILITY_TEST_PG;
const MYSQL = process.env.DELIVERABILITY_TEST_MYSQL;
if (!PG) console.warn('admin-reports-dst.test.ts: PostgreSQL suite skipped: set DELIVERABILITY_TEST_PG to a PostgreSQL URL to run it.');
if (!MYSQL) console.warn('admin-reports-dst.test.ts: MySQL suite skipped: set DELIVERABILITY_TEST_MYSQL to a MySQL/MariaDB URL to run it.');

const ZONE = 'Europe/London';
const FROM = '2025-10-25';
const TO = '2026-03-30';

/** Instants around both changes (BST ends 2025-10-26 01:00 UTC, starts 2026-03-29 01:00 UTC) and the period's edges. */
const INSTANTS = [
  '2025-10-24T22:59:00Z', // 23:59 BST on the 24th: before the period
  '2025-10-24T23:00:00Z', // midnight BST: the period's first instant
  '2025-10-25T12:00:00Z',
  '2025-10-25T23:30:00Z', // 00:30 BST on the 26th
  '2025-10-26T00:30:00Z', // 01:30 BST, the hour before the change
  '2025-10-26T01:30:00Z', // 01:30 GMT, the same local hour again
  '2025-10-26T23:30:00Z', // 23:30 GMT on the 26th
  '2025-12-31T23:59:00Z',
  '2026-03-28T23:30:00Z', // 23:30 GMT on the 28th
  '2026-03-29T00:30:00Z', // 00:30 GMT, before the change
  '2026-03-29T22:59:00Z', // 23:59 BST on the 29th
  '2026-03-29T23:00:00Z', // midnight BST: the 30th
  '2026-03-30T22:59:00Z', // 23:59 BST on the 30th: the period's last minute
  '2026-03-30T23:00:00Z', // the 31st: after the period
];

const londonDay = (iso: string): string => new Date(iso).toLocaleDateString('en-CA', { timeZone: ZONE });

function expectedDays(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const iso of INSTANTS) {
    const day = londonDay(iso);
    if (day >= FROM && day <= TO) counts.set(day, (counts.get(day) ?? 0) + 1);
  }
  return counts;
}

interface DayRow {
  day: string;
  channels: { email: { delivered: number } };
}

function suite(label: string, options: () => TestAppOptions): void {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startApp(`admin-reports-dst-${label}`, options());
    token = await adminToken(app);
    // A shared test database may hold an earlier run's rows.
    await (app.strapi.db.query(UID.log) as unknown as { deleteMany(p: { where: object }): Promise<unknown> }).deleteMany({ where: {} });
    await table(app.strapi, UID.log).createMany({
      data: INSTANTS.map((iso, i) => ({
        channel: 'email',
        status: 'delivered',
        address: `dst${i}@example.ac.uk`,
        source: 'touchpoint',
        attempts: 1,
        documentId: `dst-${label}-${i}`,
        createdAt: new Date(iso),
        updatedAt: new Date(iso),
      })),
    });
    // Rows written straight into the table, behind the plugin's back: the report counts are recounted from them.
    await (app.strapi.plugin('deliverability').service('report-rollup') as { rebuild(): Promise<unknown> }).rebuild();
  });

  afterAll(async () => {
    await app?.stop();
  });

  const report = (query: string) => request(app.server).get(`/deliverability/reports?${query}`).set('Authorization', `Bearer ${token}`);

  it('puts each message on its local day in the reader’s time zone, on both sides of both changes', async () => {
    const response = await report(`from=${FROM}&to=${TO}&tz=${encodeURIComponent(ZONE)}`);
    expect(response.status).toBe(200);
    expect(response.body.data.timeZone).toBe(ZONE);
    const days = response.body.data.days as DayRow[];
    expect(days).toHaveLength(157);
    expect(days[0].day).toBe(FROM);
    expect(days[days.length - 1].day).toBe(TO);
    const got = new Map(days.filter((d) => d.channels.email.delivered > 0).map((d) => [d.day, d.channels.email.delivered]));
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(expectedDays()));
    expect(response.body.data.totals.delivered).toBe(12);
  });

  it('a period of one day across the October change is 25 hours long', async () => {
    const response = await report(`from=2025-10-26&to=2025-10-26&tz=${ZONE}`);
    expect(response.status).toBe(200);
    // 00:30 BST (23:30 UTC on the 25th), 01:30 BST, 01:30 GMT and 23:30 GMT.
    expect(response.body.data.totals.delivered).toBe(4);
  });

  it('a time zone the server does not know answers 400', async () => {
    expect((await report(`from=${FROM}&to=${TO}&tz=Europe/Atlantis`)).status).toBe(400);
  });
}

describe('reports across daylight-saving changes, SQLite', () => {
  suite('sqlite', () => ({}));
});

(PG ? describe : describe.skip)('reports across daylight-saving changes, PostgreSQL', () => {
  suite('pg', () => ({ database: databaseFromUrl(PG!) }));
});

(MYSQL ? describe : describe.skip)('reports across daylight-saving changes, MySQL/MariaDB', () => {
  suite('mysql', () => ({ database: databaseFromUrl(MYSQL!) }));
});
