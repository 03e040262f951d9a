/**
 * The admin page's side of bulk sends, on a real Strapi: the preview (first recipients, the count
 * that will be dropped as suppressed, nothing queued), refusals that name their field (what the
 * compose form shows beside each input), the routes' permissions, create, list, pause, resume and
 * cancel through the admin API; and the general reports' breakdown by mailbox provider. Runs on
 * SQLite, and on PostgreSQL and MySQL/MariaDB when DELIVERABILITY_TEST_PG / _MYSQL are set (the
 * breakdown's grouped query is new SQL). The queue worker is off here: bulk-sends.test.ts sends.
 * Each database boots in a file of its own (a third Strapi in one Jest file lost its models).
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, applyEvents, createLog, eventFor, tokenWithActions, UID } from '../helpers/admin';
import { createServerDatabase, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { sandboxConfig } from '../helpers/sandbox';

const BULK_SEND = 'plugin::deliverability.bulk.send';

/** `count` contacts of one cohort (their lastName); the first `withoutEmail` have no email. */
async function cohort(app: TestApp, name: string, count: number, withoutEmail = 0): Promise<void> {
  const now = new Date();
  const data = Array.from({ length: count }, (_, i) => ({
    firstName: `S${i}`,
    lastName: name,
    email: i < withoutEmail ? null : `${name.toLowerCase()}.${i}@example.ac.uk`,
    createdAt: now,
    updatedAt: now,
    publishedAt: now,
  }));
  await app.strapi.db.query(UID.contact as 'plugin::deliverability.contact').createMany({ data });
}

const grab = (lastName: string, extra: Record<string, unknown> = {}) => ({
  channel: 'email',
  subject: 'Welcome, {{firstName}}',
  text: 'Term starts on Monday.',
  sourceName: `Welcome ${lastName}`,
  recipients: { filters: { lastName: { $eq: lastName } } },
  ...extra,
});

/** The suite on one database; admin-bulk-sends.test.ts runs it on SQLite, admin-bulk-sends-servers.test.ts on the servers. */
export function describeAdminBulkSends(target: 'sqlite' | ServerKind): void {
  describe(`bulk sends in the admin, on ${target}`, () => {
    let app: TestApp;
    let token: string;
    let db: ServerDatabase | null = null;

    const post = (path: string, body: unknown = {}, jwt = token) =>
      request(app.server)
        .post(`/deliverability${path}`)
        .set('Authorization', `Bearer ${jwt}`)
        .send(body as object);
    const get = (path: string, jwt = token) => request(app.server).get(`/deliverability${path}`).set('Authorization', `Bearer ${jwt}`);
    const rowCounts = async () => ({
      logs: await app.strapi.db.query(UID.log as 'plugin::deliverability.delivery-log').count({}),
      sends: await app.strapi.db.query(UID.bulkSend as 'plugin::deliverability.bulk-send').count({}),
    });

    beforeAll(async () => {
      if (target !== 'sqlite') db = await createServerDatabase(target, 'admin-bulk');
      app = await startApp(`admin-bulk-${target}`, {
        pluginConfig: sandboxConfig(0, {
          bulk: { enabled: false, campusDomains: ['college.ac.uk'] },
          // A site's own category, and an override of a default one: the compose page's picker lists both as configured.
          categories: { alumni: { oneClickUnsubscribe: true }, transactional: { fallback: true } },
        }),
        ...(db ? { database: db.strapiConnection } : {}),
      });
      token = await adminToken(app);
      await cohort(app, 'Preview', 13, 1);
      // One of them is suppressed: a hard bounce reported earlier.
      await applyEvents(app, [eventFor(null, { kind: 'hard_bounce', address: 'preview.5@example.ac.uk', severity: 'permanent' })]);
      await cohort(app, 'Steer', 4);
    });

    afterAll(async () => {
      await app?.stop();
      await db?.drop();
    });

    describe('preview', () => {
      it('answers the first ten recipients with their suppression, the totals, and queues nothing', async () => {
        const before = await rowCounts();
        const response = await post('/bulk-sends/preview', grab('Preview'));
        expect(response.status).toBe(200);
        const preview = response.body.data;
        expect(preview.total).toBe(12);
        expect(preview.withoutAddress).toBe(1);
        expect(preview.suppressed).toBe(1);
        expect(preview.recipients).toHaveLength(10);
        const suppressed = preview.recipients.filter((r: { suppressed: boolean }) => r.suppressed);
        expect(suppressed.map((r: { address: string }) => r.address)).toEqual(['preview.5@example.ac.uk']);
        // Each recipient's own content, merge fields filled in from their contact.
        const first = preview.recipients[0] as { displayName: string; address: string; content: { subject: string } };
        const index = first.address.match(/^preview\.(\d+)@/)![1];
        expect(first).toMatchObject({
          displayName: `S${index} Preview`,
          content: { subject: `Welcome, S${index}`, text: 'Term starts on Monday.' },
        });
        expect(await rowCounts()).toEqual(before);
      });

      it.each([
        ['a missing source name', grab('Preview', { sourceName: '' }), 'sourceName'],
        [
          'a filter on a field the type does not have',
          grab('Preview', { recipients: { filters: { nickname: { $eq: 'x' } } } }),
          'recipients.filters.nickname',
        ],
        ['a merge field some recipients lack', grab('Preview', { subject: 'Hello {{middleName}}' }), 'mergeFields'],
        ['no recipient at all', grab('Nobody'), 'recipients'],
        ['a category that is not configured', grab('Preview', { category: 'newsletter' }), 'category'],
      ])('refuses %s with a 400 naming the field, and changes nothing', async (_what, body, field) => {
        const before = await rowCounts();
        for (const path of ['/bulk-sends/preview', '/bulk-sends']) {
          const response = await post(path, body);
          expect(response.status).toBe(400);
          expect(response.body.error.details).toEqual({ field });
          expect(response.body.error.message).toEqual(expect.any(String));
        }
        expect(await rowCounts()).toEqual(before);
      });
    });

    describe('permissions', () => {
      it('lets a reader list bulk sends but not preview, compose or steer them', async () => {
        const reader = await tokenWithActions(app, `Reader ${target}`, [ACTIONS.logsRead]);
        expect((await get('/bulk-sends', reader)).status).toBe(200);
        expect((await post('/bulk-sends/preview', grab('Preview'), reader)).status).toBe(403);
        expect((await post('/bulk-sends', grab('Preview'), reader)).status).toBe(403);
        const composer = await tokenWithActions(app, `Composer ${target}`, [ACTIONS.logsRead, BULK_SEND]);
        expect((await post('/bulk-sends/preview', grab('Preview'), composer)).status).toBe(200);
      });
    });

    describe('create and steer', () => {
      it('queues a send, lists it first, and moves it through pause, resume and cancel', async () => {
        const created = await post('/bulk-sends', grab('Steer'));
        expect(created.status).toBe(200);
        const id = created.body.data.id as string;
        expect(created.body.data).toMatchObject({ status: 'queued', total: 4, sourceName: 'Welcome Steer', channel: 'email' });
        expect(created.body.data.counts.queued).toBe(4);

        const list = await get('/bulk-sends?page=1&pageSize=1');
        expect(list.body.data.results.map((s: { id: string }) => s.id)).toEqual([id]);
        expect(list.body.data.pagination).toMatchObject({ page: 1, pageSize: 1, total: 1 });
        expect((await get('/bulk-sends?pageSize=0')).status).toBe(400);

        const paused = await post(`/bulk-sends/${id}/pause`);
        expect(paused.status).toBe(200);
        expect(paused.body.data.status).toBe('paused');
        expect(paused.body.data.pause).toMatchObject({ by: 'editor', actor: expect.stringContaining('Test') });
        // Pausing twice is a conflict, not a silent success.
        expect((await post(`/bulk-sends/${id}/pause`)).status).toBe(409);

        const resumed = await post(`/bulk-sends/${id}/resume`);
        expect(resumed.body.data).toMatchObject({ status: 'running', pause: null });

        const cancelled = await post(`/bulk-sends/${id}/cancel`);
        expect(cancelled.body.data).toMatchObject({ status: 'cancelled', cancelledCount: 4 });
        expect(cancelled.body.data.counts.queued).toBe(0);
        expect((await post(`/bulk-sends/${id}/resume`)).status).toBe(409);
        expect((await get('/bulk-sends/no-such-send')).status).toBe(404);
      });
    });

    describe('categories', () => {
      it('lists the configured categories for the compose page, the bulk default first, with what each implies', async () => {
        const response = await get('/categories');
        expect(response.status).toBe(200);
        expect(response.body.data).toEqual({
          bulkDefault: 'marketing',
          categories: [
            { name: 'marketing', oneClickUnsubscribe: true, sendToUnsubscribed: false, fallback: false },
            { name: 'alumni', oneClickUnsubscribe: true, sendToUnsubscribed: false, fallback: false },
            { name: 'critical', oneClickUnsubscribe: false, sendToUnsubscribed: true, fallback: true },
            { name: 'transactional', oneClickUnsubscribe: false, sendToUnsubscribed: true, fallback: true },
          ],
        });
        const reader = await tokenWithActions(app, `Category reader ${target}`, [ACTIONS.logsRead]);
        expect((await get('/categories', reader)).status).toBe(403);
      });

      it('keeps the category a send was composed with, and marketing when it names none', async () => {
        await cohort(app, 'Category', 2);
        const picked = await post('/bulk-sends', grab('Category', { category: 'alumni' }));
        expect(picked.status).toBe(200);
        expect((await get(`/bulk-sends/${picked.body.data.id}`)).body.data.category).toBe('alumni');
        const unnamed = await post('/bulk-sends', grab('Category'));
        expect(unnamed.body.data.category).toBe('marketing');
        for (const id of [picked.body.data.id, unnamed.body.data.id]) expect((await post(`/bulk-sends/${id}/cancel`)).status).toBe(200);
      });
    });

    describe('reports by mailbox provider', () => {
      const day = Date.parse('2026-04-02T12:00:00Z');
      beforeAll(async () => {
        const entries: [string, string, number][] = [
          ['a@gmail.com', 'delivered', 3],
          ['b@googlemail.com', 'bounced', 1],
          ['c@hotmail.co.uk', 'bounced', 2],
          ['d@outlook.com', 'delivered', 1],
          ['e@yahoo.fr', 'delivered', 1],
          ['f@students.college.ac.uk', 'delivered', 4],
          ['g@example.org', 'dropped', 1],
        ];
        for (const [address, status, n] of entries)
          for (let i = 0; i < n; i += 1) await createLog(app, { address, status: status as 'delivered', createdAt: day });
        // Outside the period, and an SMS: neither is counted.
        await createLog(app, { address: 'h@gmail.com', status: 'bounced', createdAt: Date.parse('2026-04-04T12:00:00Z') });
        await createLog(app, { address: '+447700900123', channel: 'sms', status: 'failed', createdAt: day });
      });

      it('counts the period`s email by mailbox provider, with rates, campus domains included', async () => {
        const response = await get('/reports/mailbox-providers?from=2026-04-01&to=2026-04-03&tz=Europe/London');
        expect(response.status).toBe(200);
        const report = response.body.data;
        expect(report.campusDomains).toEqual(['college.ac.uk']);
        const byKey = Object.fromEntries(
          report.rows.map((r: { provider: string; domain: string | null; totals: Record<string, number> }) => [
            `${r.provider}:${r.domain ?? ''}`,
            r.totals,
          ]),
        );
        expect(Object.keys(byKey).sort()).toEqual(['campus:', 'gmail:', 'microsoft:', 'other:example.org', 'yahoo:']);
        expect(byKey['gmail:']).toMatchObject({ total: 4, delivered: 3, bounced: 1, attempted: 4, bounceRate: 0.25 });
        expect(byKey['microsoft:']).toMatchObject({ total: 3, delivered: 1, bounced: 2 });
        expect(byKey['campus:']).toMatchObject({ total: 4, delivered: 4, bounceRate: 0 });
        expect(byKey['other:example.org']).toMatchObject({ total: 1, dropped: 1, attempted: 0, bounceRate: null });
        expect(report.rows[0].provider).toBe('gmail');
      });

      it('answers a 400 for a bad period and a 403 without the reports action', async () => {
        expect((await get('/reports/mailbox-providers?from=2026-04-05&to=2026-04-01')).status).toBe(400);
        expect((await get('/reports/mailbox-providers?from=x&to=2026-04-01')).status).toBe(400);
        const reader = await tokenWithActions(app, `Logs only ${target}`, [ACTIONS.logsRead]);
        expect((await get('/reports/mailbox-providers?from=2026-04-01&to=2026-04-03', reader)).status).toBe(403);
      });
    });
  });
}
