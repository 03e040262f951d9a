/**
 * The reports' counts (a roll-up by quarter-hour, channel and status) against the messages, on
 * every path that writes a message: a send and its provider reports (delivered, hard and soft
 * bounces through the sandbox's signed webhooks), a send to a suppressed address (dropped), an
 * editor's retry, a bulk send cancelled before most of it went (its parked messages removed) and
 * a student's erasure. After each, every count equals a count of the messages; the compaction
 * folds the deltas in without changing a figure, and a site with messages but no counts is
 * recounted at boot (one with counts by quarter-hour but none by hour gets those). The same counts are checked under real parallel writers on PostgreSQL and
 * MariaDB by `concurrency.test.ts` and `multi-instance.test.ts`.
 */
import type { Knex } from 'knex';
import request from 'supertest';
import { adminToken, apiToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { createContact } from '../helpers/admin';
import { waitUntil } from '../helpers/instances';
import { reportCountMismatches } from '../helpers/report-counts';
import { sandboxConfig } from '../helpers/sandbox';

let app: TestApp;
let token: string;
let admin: string;

interface Rollup {
  compact(): Promise<number>;
  rebuildIfMissing(): Promise<boolean>;
}
const rollup = () => app.strapi.plugin('deliverability').service('report-rollup') as Rollup;
const knex = () => app.strapi.db.connection as unknown as Knex;
const flush = () =>
  (app.strapi.plugin('deliverability').service('transports') as { sandbox(c: string): { flush(): Promise<void> } })
    .sandbox('email')
    .flush();

const email = (address: string) =>
  request(app.server)
    .post('/api/deliverability/messages')
    .set('Authorization', `Bearer ${token}`)
    .send({ channel: 'email', to: { address }, subject: 'Your timetable', text: 'See attached.', source: 'touchpoint' });

const today = () => new Date().toISOString().slice(0, 10);
const reportTotal = async () =>
  (await request(app.server).get(`/deliverability/reports?from=${today()}&to=${today()}`).set('Authorization', `Bearer ${admin}`)).body.data
    .totals;
const messagesByStatus = async () => {
  const rows = (await knex()('deliverability_logs').select('status').count({ n: '*' }).groupBy('status')) as {
    status: string;
    n: unknown;
  }[];
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
};

beforeAll(async () => {
  const port = await freePort();
  app = await startApp('report-counts', {
    pluginConfig: sandboxConfig(port, {
      erasure: { salt: 'test-report-counts-salt-0123456789' },
      // A slow bulk send, so that most of it is still parked when it is cancelled.
      bulk: { pollMs: 100, ratePerSecond: 1, concurrency: 1, claimSize: 1 },
    }),
    port,
  });
  await listen(app, port);
  token = await apiToken(app);
  admin = await adminToken(app);
});

afterAll(async () => {
  await app?.stop();
});

describe('the report counts follow every write of a message', () => {
  it('a send, its reports (delivered, hard and soft bounces), and a send to the suppressed address', async () => {
    for (const address of ['ana@example.ac.uk', 'bo@example.ac.uk', 'cy@bounce.test', 'di@full.test'])
      expect((await email(address)).status).toBe(201);
    await flush();
    expect(await reportCountMismatches(knex())).toEqual([]);
    // cy@bounce.test hard-bounced: the next message to it is dropped.
    const dropped = await email('cy@bounce.test');
    expect(dropped.body.data.status).toBe('dropped');
    expect(await reportCountMismatches(knex())).toEqual([]);
    expect(await messagesByStatus()).toMatchObject({ delivered: 2, bounced: 1, dropped: 1, deferred: 1 });
  });

  it("an editor's retry of a deferred message", async () => {
    const deferred = (await knex()('deliverability_logs').select('document_id').where('status', 'deferred').first()) as {
      document_id: string;
    };
    const retried = await request(app.server)
      .post(`/deliverability/logs/${deferred.document_id}/retry`)
      .set('Authorization', `Bearer ${admin}`)
      .send({});
    expect(retried.status).toBe(200);
    await flush();
    expect(await reportCountMismatches(knex())).toEqual([]);
  });

  it('a bulk send cancelled early: its parked messages are removed, and uncounted', async () => {
    const now = new Date();
    const contacts = Array.from({ length: 40 }, (_, i) => ({
      firstName: `S${i}`,
      lastName: 'Cohort',
      email: `s${i}@example.ac.uk`,
      createdAt: now,
      updatedAt: now,
      publishedAt: now,
    }));
    await app.strapi.db.query('plugin::deliverability.contact').createMany({ data: contacts });
    const created = await request(app.server)
      .post('/api/deliverability/bulk-sends')
      .set('Authorization', `Bearer ${token}`)
      .send({
        channel: 'email',
        subject: 'Welcome',
        text: 'Term starts Monday.',
        sourceName: 'Welcome',
        recipients: { filters: { lastName: { $eq: 'Cohort' } } },
      });
    expect(created.status).toBe(201);
    expect(await reportCountMismatches(knex())).toEqual([]);
    const id = created.body.data.id as string;
    expect(
      (await request(app.server).post(`/api/deliverability/bulk-sends/${id}/cancel`).set('Authorization', `Bearer ${token}`)).status,
    ).toBe(200);
    const bulk = app.strapi.plugin('deliverability').service('bulk-sends') as { sweepCancelled(id: string): Promise<number> };
    await bulk.sweepCancelled(id);
    // The message the worker had already claimed still goes; wait for it and its report.
    await waitUntil(
      async () => {
        await flush();
        const moving = await knex()('deliverability_logs')
          .where('bulk_send_id', id)
          .whereIn('status', ['queued', 'sent'])
          .count({ n: '*' });
        return Number((moving as { n: unknown }[])[0].n) === 0;
      },
      30_000,
      'the claimed message finished',
    );
    const left = Number(((await knex()('deliverability_logs').where('bulk_send_id', id).count({ n: '*' })) as { n: unknown }[])[0].n);
    expect(left).toBeLessThan(40);
    expect(await reportCountMismatches(knex())).toEqual([]);
  });

  it("a student's erasure takes their messages out of the counts", async () => {
    const student = await createContact(app, { firstName: 'Lena', lastName: 'Fischer', email: 'lena.fischer@example.ac.uk' });
    expect(
      (
        await request(app.server)
          .post('/api/deliverability/messages')
          .set('Authorization', `Bearer ${token}`)
          .send({ channel: 'email', to: { contact: student }, subject: 'Hello', text: 'Hi', source: 'touchpoint' })
      ).status,
    ).toBe(201);
    await flush();
    const before = (await reportTotal()).total as number;
    const erased = await request(app.server)
      .post(`/deliverability/contacts/${student}/erase`)
      .set('Authorization', `Bearer ${admin}`)
      .send({});
    expect(erased.status).toBe(200);
    expect(erased.body.data.messages).toBe(1);
    expect((await reportTotal()).total).toBe(before - 1);
    expect(await reportCountMismatches(knex())).toEqual([]);
  });

  it('the compaction folds every delta in without changing a figure', async () => {
    const before = await reportTotal();
    expect(await rollup().compact()).toBeGreaterThan(0);
    expect(Number(((await knex()('deliverability_report_deltas').count({ n: '*' })) as { n: unknown }[])[0].n)).toBe(0);
    expect(await reportTotal()).toEqual(before);
    expect(await reportCountMismatches(knex())).toEqual([]);
    // The report says what the messages say.
    const statuses = await messagesByStatus();
    expect(before.total).toBe(Object.values(statuses).reduce((a, b) => a + b, 0));
    expect(before.delivered).toBe(statuses.delivered ?? 0);
  });

  it('a site with messages but no counts (an upgrade) is recounted once, and only then', async () => {
    expect(await rollup().rebuildIfMissing()).toBe(false);
    const before = await reportTotal();
    for (const table of ['counts', 'hours', 'deltas']) await knex()(`deliverability_report_${table}`).delete();
    expect((await reportTotal()).total).toBe(0);
    expect(await rollup().rebuildIfMissing()).toBe(true);
    expect(await reportTotal()).toEqual(before);
    expect(await reportCountMismatches(knex())).toEqual([]);
  });

  it('a site with counts by quarter-hour but none by hour (an upgrade) gets them once', async () => {
    const report = async (zone: string) =>
      (await request(app.server).get(`/deliverability/reports?from=${today()}&to=${today()}&timeZone=${zone}`).set('Authorization', `Bearer ${admin}`)).body.data;
    await rollup().compact();
    const hourly = await report('Europe/London');
    expect(hourly.totals.total).toBeGreaterThan(0);
    await knex()('deliverability_report_hours').delete();
    expect(await reportCountMismatches(knex())).not.toEqual([]);
    // Without its hourly counts, a day that starts on the hour finds nothing.
    expect((await report('Europe/London')).totals.total).toBe(0);
    expect(await rollup().rebuildIfMissing()).toBe(false);
    expect(await reportCountMismatches(knex())).toEqual([]);
    expect(await report('Europe/London')).toEqual(hourly);
    expect(Number(((await knex()('deliverability_report_hours').count({ n: '*' })) as { n: unknown }[])[0].n)).toBeGreaterThan(0);
    // A second boot leaves them be.
    const rows = await knex()('deliverability_report_hours').select('bucket', 'channel', 'status', 'messages').orderBy('id');
    expect(await rollup().rebuildIfMissing()).toBe(false);
    expect(await knex()('deliverability_report_hours').select('bucket', 'channel', 'status', 'messages').orderBy('id')).toEqual(rows);
  });
});
