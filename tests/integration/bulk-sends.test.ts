/**
 * Bulk sends (Grabs) on a real Strapi with the sandbox transport reporting back over real, signed
 * webhooks: the request checked whole (nothing queued on any mistake), the preview, the queue
 * worker's pace, the breaker (5,000 recipients with 10% hard bounces), resume, and cancel.
 */
import request from 'supertest';
import { apiToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { waitUntil } from '../helpers/instances';
import { sandboxConfig } from '../helpers/sandbox';
import { UID } from '../helpers/admin';

jest.setTimeout(300_000);

const MIN_SAMPLE = 200;
/** Hand-offs a second; well under what SQLite on a small machine absorbs with every report coming back as a webhook. */
const RATE = 40;
/** Messages begun but not yet handed over when a pause is read: one and a half batches of 20 (claimSize, and RATE / 2). */
const BEGUN_AHEAD = 30;

let app: TestApp;
let token: string;

interface Sandbox {
  received: { logDocumentId: string }[];
}
const sandbox = (): Sandbox => (app.strapi.plugin('deliverability').service('transports') as { sandbox(c: string): Sandbox }).sandbox('email');

const post = (path: string, body: Record<string, unknown> = {}) =>
  request(app.server).post(`/api/deliverability${path}`).set('Authorization', `Bearer ${token}`).send(body);
const view = async (id: string) => (await request(app.server).get(`/api/deliverability/bulk-sends/${id}`).set('Authorization', `Bearer ${token}`)).body.data;

/** `count` contacts of one cohort (their lastName), every `bounceEvery`-th at the sandbox's hard-bouncing domain. */
async function cohort(name: string, count: number, bounceEvery = 0): Promise<void> {
  const now = new Date();
  const rows = Array.from({ length: count }, (_, i) => ({
    firstName: `S${i}`,
    lastName: name,
    email: bounceEvery && i % bounceEvery === 0 ? `${name}.${i}@bounce.test` : `${name}.${i}@example.ac.uk`,
    createdAt: now,
    updatedAt: now,
    publishedAt: now,
  }));
  for (let i = 0; i < rows.length; i += 500) await app.strapi.db.query(UID.contact as 'plugin::deliverability.contact').createMany({ data: rows.slice(i, i + 500) });
}

const grab = (lastName: string, extra: Record<string, unknown> = {}) => ({
  channel: 'email',
  subject: 'Welcome, {{firstName}}',
  text: 'Term starts on Monday, {{firstName|student}}.',
  sourceName: `Welcome ${lastName}`,
  recipients: { filters: { lastName: { $eq: lastName } } },
  ...extra,
});

/** How many of a send's messages were handed to the sandbox, and whether any was handed over twice. */
async function handOffs(sendId: string): Promise<{ total: number; twice: number }> {
  const ids = new Set((await app.strapi.db.query(UID.log as 'plugin::deliverability.delivery-log').findMany({ where: { bulkSendId: sendId }, select: ['documentId'] })).map((r: { documentId: string }) => r.documentId));
  const counts = new Map<string, number>();
  for (const m of sandbox().received) if (ids.has(m.logDocumentId)) counts.set(m.logDocumentId, (counts.get(m.logDocumentId) ?? 0) + 1);
  return { total: [...counts.values()].reduce((a, b) => a + b, 0), twice: [...counts.values()].filter((n) => n > 1).length };
}
const logCount = () => app.strapi.db.query(UID.log as 'plugin::deliverability.delivery-log').count({});

beforeAll(async () => {
  const port = await freePort();
  app = await startApp('bulk-sends', {
    pluginConfig: sandboxConfig(port, { bulk: { pollMs: 100, ratePerSecond: RATE, concurrency: 8, claimSize: 20, breaker: { minSample: MIN_SAMPLE }, campusDomains: ['example.ac.uk'] } }),
    port,
  });
  await listen(app, port);
  token = await apiToken(app);
});

afterAll(async () => {
  await app?.stop();
});

describe('the request, checked whole before anything is queued', () => {
  beforeAll(async () => {
    await cohort('Checks', 5);
    await app.strapi.db.query(UID.contact as 'plugin::deliverability.contact').create({ data: { lastName: 'Nameless', email: 'nameless@example.ac.uk' } });
  });

  it.each([
    ['an unknown merge field', grab('Checks', { subject: 'Hi {{nickname}}' }), 'mergeFields', /nickname/],
    ['a recipient without the field and no fallback', grab('Nameless'), 'mergeFields', /1 recipient\(s\) have no firstName/],
    ['a filter on a field the type lacks', grab('Checks', { recipients: { filters: { cohort: { $eq: 'x' } } } }), 'recipients.filters.cohort', /no field "cohort"/],
    ['a filter operator that does not exist', grab('Checks', { recipients: { filters: { lastName: { $like: 'x' } } } }), 'recipients.filters', /operator/],
    ['an unknown contact', grab('Checks', { recipients: { contacts: ['nope'] } }), 'recipients.contacts', /unknown contact/],
    ['a contact type the site does not use', grab('Checks', { recipients: { type: 'api::student.student', filters: {} } }), 'recipients.type', /not a contact type/],
    ['no recipient with an address', grab('Nobody'), 'recipients', /no contact/],
    ['no subject', grab('Checks', { subject: undefined }), 'subject', /required/],
  ])('refuses %s', async (_what, body, field, message) => {
    const before = await logCount();
    const response = await post('/bulk-sends', body);
    expect(response.status).toBe(400);
    expect(response.body.error.details.field).toBe(field);
    expect(response.body.error.message).toMatch(message);
    expect(await logCount()).toBe(before);
    expect(await app.strapi.db.query(UID.bulkSend as 'plugin::deliverability.bulk-send').count({})).toBe(0);
  });

  it('needs an API token', async () => {
    const response = await request(app.server).post('/api/deliverability/bulk-sends').send(grab('Checks'));
    expect([401, 403]).toContain(response.status);
  });

  it('sends merged content to each contact, once per address', async () => {
    const created = await post('/bulk-sends', grab('Checks', { sourceName: 'Merged' }));
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ status: 'queued', total: 5, sourceName: 'Merged', channel: 'email' });
    await waitUntil(async () => (await view(created.body.data.id)).status === 'done', 30_000, 'the send to finish');
    const logs = await app.strapi.db.query(UID.log as 'plugin::deliverability.delivery-log').findMany({ where: { bulkSendId: created.body.data.id }, orderBy: { address: 'asc' } });
    expect(logs).toHaveLength(5);
    expect(logs[0]).toMatchObject({ source: 'grab', sourceName: 'Merged', address: 'checks.0@example.ac.uk', content: { subject: 'Welcome, S0', text: 'Term starts on Monday, S0.' } });
    expect(logs.every((l: { leaseOwner: string | null }) => l.leaseOwner === null)).toBe(true);
    expect(await handOffs(created.body.data.id)).toEqual({ total: 5, twice: 0 });
  });
});

describe('from code', () => {
  it('messages.sendBulk checks and queues the same way', async () => {
    const messages = app.strapi.plugin('deliverability').service('messages') as { sendBulk(raw: unknown): Promise<{ id: string; total: number }> };
    await expect(messages.sendBulk(grab('Checks', { subject: 'Hi {{nickname}}' }))).rejects.toMatchObject({ status: 400, field: 'mergeFields' });
    const created = await messages.sendBulk(grab('Checks', { sourceName: 'From code' }));
    expect(created.total).toBe(5);
    await waitUntil(async () => (await view(created.id)).status === 'done', 30_000, 'the send to finish');
    expect(await handOffs(created.id)).toEqual({ total: 5, twice: 0 });
  });
});

/**
 * A send's hand-offs once a pause has taken effect. A pause works as a cancel does: the messages
 * already begun (at most one and a half batches, under a second of pace) still go, then no more.
 */
async function settledAfterPause(sendId: string, atPause: { total: number }): Promise<{ total: number; twice: number }> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const settled = await handOffs(sendId);
  expect(settled.total - atPause.total).toBeLessThanOrEqual(BEGUN_AHEAD);
  return settled;
}

describe('the breaker', () => {
  let sendId: string;

  beforeAll(async () => {
    await cohort('Breaker', 5000, 10);
  });

  it('pauses a send of 5,000 with 10% hard bounces once the sample is in, and sends no more', async () => {
    const created = await post('/bulk-sends', grab('Breaker'));
    expect(created.status).toBe(201);
    sendId = created.body.data.id;
    expect(created.body.data.total).toBe(5000);
    await waitUntil(async () => (await view(sendId)).status === 'paused', 120_000, 'the breaker to pause the send');
    const paused = await view(sendId);
    expect(paused.pause).toMatchObject({ by: 'breaker', trip: { metric: 'hardBounceRate', threshold: 0.05 } });
    expect(paused.pause.trip.sample).toBeGreaterThanOrEqual(MIN_SAMPLE);
    expect(paused.pause.trip.rate).toBeGreaterThan(0.05);
    const atPause = await handOffs(sendId);
    // It stopped soon after the sample: reports come back asynchronously, so what was handed over
    // while the sample's reports were on their way went too, but not the rest of the list.
    expect(atPause.total).toBeGreaterThanOrEqual(MIN_SAMPLE);
    expect(atPause.total).toBeLessThan(1000);
    const afterOneSecond = await settledAfterPause(sendId, atPause);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await handOffs(sendId);
    expect(later).toEqual(afterOneSecond);
    expect(later.twice).toBe(0);
    expect((await view(sendId)).counts.queued).toBe(5000 - later.total);
  });

  it('resumes on an editor`s word with a fresh sample, and trips again on the same list', async () => {
    const before = (await handOffs(sendId)).total;
    const resumed = await post(`/bulk-sends/${sendId}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.data).toMatchObject({ status: 'running', pause: null });
    // Resuming a running send is a conflict, not a no-op.
    expect((await post(`/bulk-sends/${sendId}/resume`)).status).toBe(409);
    await waitUntil(async () => (await view(sendId)).status === 'paused', 120_000, 'the breaker to trip again');
    const after = await settledAfterPause(sendId, await handOffs(sendId));
    expect(after.total).toBeGreaterThanOrEqual(before + MIN_SAMPLE);
    expect(after.total).toBeLessThan(before + 1000);
    expect(after.twice).toBe(0);
  });

  it('cancels a paused send: its queue is emptied and counted', async () => {
    const sent = (await handOffs(sendId)).total;
    const cancelled = await post(`/bulk-sends/${sendId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({ status: 'cancelled', cancelledCount: 5000 - sent });
    expect(cancelled.body.data.counts.queued).toBe(0);
    expect((await post(`/bulk-sends/${sendId}/resume`)).status).toBe(409);
  });

  it('shows which mailbox provider the bounces came from', async () => {
    const response = await request(app.server).get(`/api/deliverability/bulk-sends/${sendId}/mailbox-providers`).set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    const rows = response.body.data as { provider: string; domain: string | null; counts: Record<string, number> }[];
    expect(rows.map((r) => [r.provider, r.domain])).toEqual([
      ['campus', null],
      ['other', 'bounce.test'],
    ]);
    const [campus, other] = rows;
    // Every hard bounce is at the one domain that refuses; the campus's own mail went through.
    expect(campus.counts.bounced).toBe(0);
    expect(other.counts.bounced).toBeGreaterThan(0);
    expect(other.counts.delivered).toBe(0);
    const total = (r: (typeof rows)[number]) => Object.values(r.counts).reduce((a, b) => a + b, 0);
    expect(total(campus) + total(other)).toBe((await handOffs(sendId)).total);
  });
});

describe('cancel mid-send', () => {
  it('stops hand-offs within one second', async () => {
    await cohort('Cancel', 1500);
    const created = await post('/bulk-sends', grab('Cancel'));
    const sendId = created.body.data.id;
    await waitUntil(async () => (await handOffs(sendId)).total >= 100, 30_000, 'the send to be under way');
    const cancelled = await post(`/bulk-sends/${sendId}/cancel`);
    expect(cancelled.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const afterOneSecond = await handOffs(sendId);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await handOffs(sendId);
    expect(later).toEqual(afterOneSecond);
    expect(later.total).toBeLessThan(1500);
    const final = await view(sendId);
    expect(final.status).toBe('cancelled');
    // Every message is either handed over or removed from the queue: none lost, none left behind.
    expect(final.counts.queued).toBe(0);
    expect(final.cancelledCount + later.total).toBe(1500);
  });

  it('keeps its pace: no more than one second of burst over the configured rate', async () => {
    await cohort('Pace', 200);
    const started = Date.now();
    const created = await post('/bulk-sends', grab('Pace'));
    await waitUntil(async () => (await view(created.body.data.id)).status === 'done', 60_000, 'the send to finish');
    const seconds = (Date.now() - started) / 1000;
    // 200 at 40 a second, with one second's burst: at least (200 - 40) / 40 = 4 s.
    expect(seconds).toBeGreaterThanOrEqual((200 - RATE) / RATE);
    expect((await handOffs(created.body.data.id)).total).toBe(200);
  });
});
