/**
 * Reports: messages by day × channel × status over a chosen period, totals and rates, read with
 * one grouped query that the logs table's report index covers.
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, tokenWithActions, UID } from '../helpers/admin';
import { table } from '../../server/src/utils/plugin';

let app: TestApp;
let token: string;

const at = (day: string, time = '12:00'): number => Date.parse(`${day}T${time}:00Z`);

/** Raw log rows: the report reads only channel, status and created_at. */
async function logs(entries: [day: string, channel: 'email' | 'sms', status: string, count: number, time?: string][]): Promise<void> {
  const data = entries.flatMap(([day, channel, status, count, time]) =>
    Array.from({ length: count }, (_, i) => ({
      channel,
      status,
      address: `r${i}@example.ac.uk`,
      source: 'touchpoint',
      attempts: 1,
      createdAt: new Date(at(day, time)),
      updatedAt: new Date(at(day, time)),
      documentId: `rep-${day}-${channel}-${status}-${time ?? 'noon'}-${i}`,
    })),
  );
  await table(app.strapi, UID.log).createMany({ data });
  // Rows written straight into the table, behind the plugin's back: the report counts are recounted from them.
  await (app.strapi.plugin('deliverability').service('report-rollup') as { rebuild(): Promise<unknown> }).rebuild();
}

beforeAll(async () => {
  app = await startApp('admin-reports');
  token = await adminToken(app);
  await logs([
    ['2026-03-01', 'email', 'delivered', 6],
    ['2026-03-01', 'email', 'bounced', 2],
    ['2026-03-01', 'email', 'dropped', 1],
    ['2026-03-01', 'sms', 'delivered', 3],
    ['2026-03-01', 'sms', 'failed', 1],
    ['2026-03-02', 'email', 'deferred', 2],
    ['2026-03-02', 'email', 'complained', 1],
    ['2026-03-02', 'email', 'sent', 1],
    ['2026-03-02', 'email', 'queued', 1],
    // Late in the evening, UTC: the next day for a reader in UTC+1.
    ['2026-03-03', 'email', 'delivered', 4, '23:30'],
    // Outside the period.
    ['2026-02-28', 'email', 'bounced', 5],
    ['2026-03-05', 'email', 'bounced', 5],
  ]);
});

afterAll(async () => {
  await app?.stop();
});

const report = (query: string, jwt = token) => request(app.server).get(`/deliverability/reports?${query}`).set('Authorization', `Bearer ${jwt}`);

describe('reports', () => {
  it('counts messages by day, channel and status over the chosen period, with every day present', async () => {
    const response = await report('from=2026-03-01&to=2026-03-04');
    expect(response.status).toBe(200);
    const { days, totals, byChannel } = response.body.data;
    expect(days.map((d: { day: string }) => d.day)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']);
    expect(days[0].channels.email).toMatchObject({ delivered: 6, bounced: 2, dropped: 1, deferred: 0 });
    expect(days[0].channels.sms).toMatchObject({ delivered: 3, failed: 1 });
    expect(days[1].channels.email).toMatchObject({ deferred: 2, complained: 1, sent: 1, queued: 1 });
    expect(days[2].channels.email.delivered).toBe(4);
    expect(days[3].channels.email.delivered).toBe(0);

    expect(totals).toMatchObject({ total: 22, delivered: 13, bounced: 2, dropped: 1, failed: 1, deferred: 2, complained: 1, sent: 1, queued: 1 });
    // Attempted: handed to a provider, so neither queued nor dropped.
    expect(totals.attempted).toBe(20);
    expect(totals.bounceRate).toBeCloseTo(2 / 20);
    expect(totals.failureRate).toBeCloseTo(1 / 20);
    expect(totals.deliveryRate).toBeCloseTo(14 / 20);
    expect(totals.dropRate).toBeCloseTo(1 / 22);
    expect(byChannel.sms).toMatchObject({ total: 4, attempted: 4, delivered: 3, failed: 1 });
    expect(byChannel.sms.failureRate).toBeCloseTo(1 / 4);
    expect(byChannel.email.total).toBe(18);
  });

  it('reports one channel', async () => {
    const response = await report('from=2026-03-01&to=2026-03-01&channel=sms');
    expect(response.body.data.channel).toBe('sms');
    expect(response.body.data.totals).toMatchObject({ total: 4, delivered: 3, failed: 1, bounced: 0 });
    expect(response.body.data.byChannel.email.total).toBe(0);
  });

  it("puts each message on the reader's own calendar day", async () => {
    const utc = await report('from=2026-03-03&to=2026-03-04');
    expect(utc.body.data.days.map((d: { channels: { email: { delivered: number } } }) => d.channels.email.delivered)).toEqual([4, 0]);
    const london = await report('from=2026-03-03&to=2026-03-04&tzOffset=60');
    expect(london.body.data.days.map((d: { channels: { email: { delivered: number } } }) => d.channels.email.delivered)).toEqual([0, 4]);
  });

  it('has rates of null, not zero, when nothing was sent', async () => {
    const response = await report('from=2026-01-01&to=2026-01-31');
    expect(response.body.data.totals).toMatchObject({ total: 0, bounceRate: null, failureRate: null });
    expect(response.body.data.days).toHaveLength(31);
  });

  it.each([
    ['UTC, whose days start on the hour', '', 'hours'],
    ['UTC+05:30, whose days start on the half hour', '&tzOffset=330', 'counts'],
  ])('reads the period in %s with one grouped query on the report %s, by their indexes, and never the messages', async (_zone, zone, table) => {
    const connection = app.strapi.db.connection as unknown as {
      on(event: 'query', listener: (q: { sql: string; bindings: unknown[] }) => void): void;
      off(event: 'query', listener: (q: { sql: string; bindings: unknown[] }) => void): void;
      raw(sql: string, bindings: unknown[]): Promise<{ detail: string }[]>;
    };
    const queries: { sql: string; bindings: unknown[] }[] = [];
    const listener = (q: { sql: string; bindings: unknown[] }) => queries.push(q);
    connection.on('query', listener);
    try {
      expect((await report(`from=2026-03-01&to=2026-03-31${zone}`)).status).toBe(200);
    } finally {
      connection.off('query', listener);
    }
    expect(queries.filter((q) => /deliverability_logs/.test(q.sql))).toEqual([]);
    const reads = queries.filter((q) => /deliverability_report_(counts|hours)/.test(q.sql));
    expect(reads).toHaveLength(1);
    expect(reads[0].sql).toMatch(new RegExp(`deliverability_report_${table}`));
    expect(reads[0].sql).toMatch(/group by/i);
    expect(reads[0].sql).toMatch(/deliverability_report_deltas/);
    const plan = (await connection.raw(`EXPLAIN QUERY PLAN ${reads[0].sql}`, reads[0].bindings)).map((row) => row.detail).join('\n');
    expect(plan).toMatch(new RegExp(`USING (COVERING )?INDEX dlv_report_${table}_uq`));
    expect(plan).toMatch(/USING INDEX dlv_report_deltas_bucket_idx/);
  });

  it('gives the same totals from the hourly and the quarter-hour counts over a period that holds every message', async () => {
    const totals = async (zone: string) => (await report(`from=2026-02-27&to=2026-03-06${zone}`)).body.data.totals;
    const utc = await totals('');
    expect(utc.total).toBe(32);
    expect(await totals('&tzOffset=330')).toEqual(utc);
    expect(await totals('&tzOffset=-225')).toEqual(utc);
    expect(await totals('&tzOffset=60')).toEqual(utc);
  });

  it('defaults to the last 30 days', async () => {
    const response = await report('');
    expect(response.status).toBe(200);
    expect(response.body.data.days).toHaveLength(30);
    expect(response.body.data.to).toBe(new Date().toISOString().slice(0, 10));
  });

  it('refuses impossible periods', async () => {
    expect((await report('from=2026-02-30&to=2026-03-01')).status).toBe(400);
    expect((await report('from=2026-03-02&to=2026-03-01')).status).toBe(400);
    expect((await report('from=2024-01-01&to=2026-01-01')).status).toBe(400);
    expect((await report('from=2026-03-01&to=2026-03-02&tzOffset=abc')).status).toBe(400);
    expect((await report('from=2026-03-01&to=2026-03-02&channel=fax')).status).toBe(400);
  });

  it('needs the reports action', async () => {
    const logsOnly = await tokenWithActions(app, 'Logs only', [ACTIONS.logsRead]);
    expect((await report('', logsOnly)).status).toBe(403);
    const reader = await tokenWithActions(app, 'Report reader', [ACTIONS.reportsRead]);
    expect((await report('', reader)).status).toBe(200);
    expect((await request(app.server).get('/deliverability/reports')).status).toBe(401);
  });
});
