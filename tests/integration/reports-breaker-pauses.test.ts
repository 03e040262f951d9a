/**
 * The general reports list the bulk sends that their breaker paused in the period, with the
 * figures that tripped it: a real Strapi, the sandbox transport reporting bounces back over signed
 * webhooks, and a breaker whose sample is four messages. A resume clears the send's pause; the
 * report still shows it (the audit trail keeps each pause). On SQLite, PostgreSQL and MariaDB.
 */
import request from 'supertest';
import { adminToken, apiToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, tokenWithActions, UID } from '../helpers/admin';
import { everyDatabase, suiteDatabase, type SuiteDatabase } from '../helpers/each-database';
import { waitUntil } from '../helpers/instances';
import { sandboxConfig } from '../helpers/sandbox';
import type { BreakerPauseReport, BulkSendView } from '../../server/src/contract';

jest.setTimeout(300_000);

const today = (): string => new Date().toISOString().slice(0, 10);
const dayOffset = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe.each(everyDatabase('reports-breaker-pauses.test.ts'))('on %s', (kind) => {
  let db: SuiteDatabase;
  let app: TestApp;
  let admin: string;
  let token: string;

  beforeAll(async () => {
    db = await suiteDatabase(kind, 'breaker-pauses');
    const port = await freePort();
    app = await startApp('breaker-pauses', {
      port,
      database: db.connection,
      // Five hand-offs a second: the breaker (sample of four) trips long before the list is through.
      pluginConfig: sandboxConfig(port, {
        bulk: { pollMs: 100, ratePerSecond: 5, concurrency: 2, claimSize: 2, breaker: { minSample: 4 } },
      }),
    });
    await listen(app, port);
    admin = await adminToken(app);
    token = await apiToken(app);
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  const api = (path: string) => request(app.server).post(`/api/deliverability${path}`).set('Authorization', `Bearer ${token}`);
  const view = async (id: string): Promise<BulkSendView> =>
    (await request(app.server).get(`/api/deliverability/bulk-sends/${id}`).set('Authorization', `Bearer ${token}`)).body.data;
  const pauses = (query: string, jwt = admin) =>
    request(app.server).get(`/deliverability/reports/breaker-pauses?${query}`).set('Authorization', `Bearer ${jwt}`);

  /** `count` contacts named `lastName`, every other one at the sandbox's hard-bouncing domain. */
  async function cohort(lastName: string, count: number): Promise<void> {
    const now = new Date();
    const data = Array.from({ length: count }, (_, i) => ({
      firstName: `S${i}`,
      lastName,
      email: i % 2 === 0 ? `${lastName}.${i}@bounce.test` : `${lastName}.${i}@example.ac.uk`,
      createdAt: now,
      updatedAt: now,
      publishedAt: now,
    }));
    await app.strapi.db.query(UID.contact as 'plugin::deliverability.contact').createMany({ data });
  }

  async function startSend(lastName: string): Promise<string> {
    const response = await api('/bulk-sends').send({
      channel: 'email',
      subject: 'Hello {{firstName}}',
      text: 'Term starts Monday.',
      sourceName: `Grab ${lastName}`,
      recipients: { filters: { lastName: { $eq: lastName } } },
    });
    expect(response.status).toBe(201);
    return response.body.data.id as string;
  }

  const pausedByBreaker = async (id: string): Promise<boolean> => {
    const send = await view(id);
    return send.status === 'paused' && send.pause?.by === 'breaker';
  };

  let tripped: string;

  it('lists a send its breaker paused, with the figures and the send', async () => {
    await cohort(`Trip${kind}`, 30);
    tripped = await startSend(`Trip${kind}`);
    await waitUntil(() => pausedByBreaker(tripped), 120_000, 'the breaker to pause the send');
    const send = await view(tripped);

    const response = await pauses(`from=${today()}&to=${today()}&tz=UTC`);
    expect(response.status).toBe(200);
    const report = response.body.data as BreakerPauseReport;
    expect(report.total).toBe(1);
    expect(report.rows).toEqual([
      {
        bulkSendId: tripped,
        sourceName: `Grab Trip${kind}`,
        channel: 'email',
        status: 'paused',
        pausedAt: send.pause!.at,
        trip: send.pause!.by === 'breaker' ? send.pause!.trip : null,
      },
    ]);
    const { trip } = report.rows[0];
    expect(trip).toMatchObject({ metric: 'hardBounceRate', threshold: 0.05 });
    expect(trip.sample).toBeGreaterThanOrEqual(4);
    expect(trip.rate).toBeCloseTo(trip.count / trip.sample, 10);
  });

  it('keeps the pause after a resume, and lists the second trip too, newest first', async () => {
    const firstPause = (await pauses(`from=${today()}&to=${today()}&tz=UTC`)).body.data.rows[0].pausedAt as string;
    expect((await api(`/bulk-sends/${tripped}/resume`)).status).toBe(200);
    expect((await view(tripped)).pause).toBeNull();
    await waitUntil(() => pausedByBreaker(tripped), 120_000, 'the breaker to trip again');

    const report = (await pauses(`from=${today()}&to=${today()}&tz=UTC`)).body.data as BreakerPauseReport;
    expect(report.total).toBe(2);
    expect(report.rows.map((row) => row.bulkSendId)).toEqual([tripped, tripped]);
    expect(report.rows[1].pausedAt).toBe(firstPause);
    expect(Date.parse(report.rows[0].pausedAt)).toBeGreaterThan(Date.parse(firstPause));
  });

  it('leaves out an editor`s pause, a cancel, and pauses outside the period', async () => {
    await cohort(`Editor${kind}`, 4);
    const byHand = await startSend(`Editor${kind}`);
    expect((await api(`/bulk-sends/${byHand}/pause`)).status).toBe(200);
    expect((await api(`/bulk-sends/${tripped}/cancel`)).status).toBe(200);

    const report = (await pauses(`from=${today()}&to=${today()}&tz=UTC`)).body.data as BreakerPauseReport;
    expect(report.rows.map((row) => row.bulkSendId)).toEqual([tripped, tripped]);
    // The status now, not then: the tripped send has been cancelled since.
    expect(report.rows.map((row) => row.status)).toEqual(['cancelled', 'cancelled']);
    const before = (await pauses(`from=${dayOffset(-10)}&to=${dayOffset(-1)}&tz=UTC`)).body.data as BreakerPauseReport;
    expect(before).toMatchObject({ total: 0, rows: [] });
  });

  it('refuses a bad period with a 400, and a role without the reports with a 403', async () => {
    const bad = await pauses(`from=2026-13-01&to=${today()}`);
    expect(bad.status).toBe(400);
    const reversed = await pauses(`from=${today()}&to=${dayOffset(-1)}`);
    expect(reversed.status).toBe(400);
    const noReports = await tokenWithActions(app, `no-reports-${kind}`, [ACTIONS.logsRead]);
    expect((await pauses(`from=${today()}&to=${today()}`, noReports)).status).toBe(403);
  });
});
