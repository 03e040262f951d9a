/**
 * The pull of the providers' suppression lists, against fake SendGrid, Mailgun, Postmark and SES
 * APIs on 127.0.0.1: every page of every list is read and goes through the intake, so listed
 * addresses become suppressed with the provider's reason and date, and contacts' badges follow;
 * a second pull doubles nothing; a provider failing mid-pull is resumed from its cursor, with no
 * page read twice from the start; a 429 is waited out for as long as Retry-After says; an editor
 * starts a pull from the admin and sees its progress.
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { ACTIONS, createContact, tokenWithActions, UID } from '../helpers/admin';
import { waitUntil } from '../helpers/instances';
import { startFakeProviderLists, syncConfigFor, type FakeEntry, type FakeProviderLists } from '../helpers/fake-provider-lists';
import { table } from '../../server/src/utils/plugin';
import type { PullResult } from '../../server/src/services/suppression-sync';

let app: TestApp;
let fake: FakeProviderLists;
let token: string;

const DAY = 86_400;
const t0 = Math.floor(Date.now() / 1000) - 30 * DAY;
const entries = (prefix: string, count: number, extra: Partial<FakeEntry> = {}): FakeEntry[] =>
  Array.from({ length: count }, (_, i) => ({ address: `${prefix}${i}@example.ac.uk`, created: t0 + i * 60, ...extra }));

function seedAll(): void {
  fake.seed('sendgrid:bounces', entries('sg-bounce', 7, { reason: '550 5.1.1 The email account does not exist', code: '5.1.1' }));
  fake.seed('sendgrid:blocks', entries('sg-block', 1, { reason: '554 Blocked by policy' }));
  fake.seed('sendgrid:spam_reports', entries('sg-spam', 2));
  fake.seed('sendgrid:invalid_emails', []);
  fake.seed('sendgrid:unsubscribes', entries('sg-unsub', 1));
  fake.seed('mailgun:bounces', entries('mg-bounce', 5, { code: '550', reason: 'No such mailbox' }));
  fake.seed('mailgun:complaints', entries('mg-complaint', 1));
  fake.seed('mailgun:unsubscribes', []);
  fake.seed('postmark:outbound', entries('pm-bounce', 2, { code: 'HardBounce' }));
  fake.seed('postmark:broadcast', entries('pm-manual', 1, { code: 'ManualSuppression' }));
  fake.seed('ses:account', [...entries('ses-bounce', 3, { code: 'BOUNCE' }), ...entries('ses-complaint', 1, { code: 'COMPLAINT' })]);
}
const LISTED = 7 + 1 + 2 + 1 + 5 + 1 + 2 + 1 + 4;

const sync = () =>
  app.strapi.plugin('deliverability').service('suppression-sync') as { pullAll(slot?: Date | null): Promise<PullResult[]> };
const ledger = (address: string) => table(app.strapi, UID.address).findOne({ where: { channel: 'email', address } });
const listedEventCount = () => table(app.strapi, UID.event).count({ where: { rawType: { $startsWith: 'suppression-list/' } } });
const pagesAsked = (path: string) => fake.requests.filter((r) => r.method === 'GET' && r.path === path);
const byProvider = (results: PullResult[]) => Object.fromEntries(results.map((r) => [r.provider, r]));

beforeAll(async () => {
  fake = await startFakeProviderLists();
  app = await startApp('suppression-sync', { pluginConfig: { sync: syncConfigFor(fake) } });
  token = await adminToken(app);
});

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.failures.length = 0;
});

describe('pulling the providers lists', () => {
  let first: Record<string, PullResult>;
  let student: string;

  beforeAll(async () => {
    seedAll();
    student = await createContact(app, { firstName: 'Nadia', lastName: 'Khan', email: 'SG-Bounce3@example.ac.uk' });
    first = byProvider(await sync().pullAll());
  });

  it('reads every page of every list, following each provider’s own paging', async () => {
    expect(Object.values(first).map((r) => [r.provider, r.status, r.entriesRead])).toEqual([
      ['sendgrid', 'done', 11],
      ['mailgun', 'done', 6],
      ['postmark', 'done', 3],
      ['ses', 'done', 4],
    ]);
    expect(first.sendgrid.entriesNew).toBe(11);
    expect(await listedEventCount()).toBe(LISTED);
  });

  it('makes a listed address suppressed with the provider’s reason, code and listing date, and the badge follows', async () => {
    const bounced = await ledger('sg-bounce3@example.ac.uk');
    expect(bounced).toMatchObject({ state: 'failed', providerCode: '5.1.1', provider: 'sendgrid' });
    expect(new Date(bounced!.stateEventAt as string).getTime()).toBe((t0 + 3 * 60) * 1000);
    expect(await ledger('sg-spam1@example.ac.uk')).toMatchObject({ state: 'complained' });
    expect(await ledger('sg-unsub0@example.ac.uk')).toMatchObject({ state: 'unsubscribed' });
    expect(await ledger('mg-bounce4@example.ac.uk')).toMatchObject({ state: 'failed', providerCode: '550', provider: 'mailgun' });
    expect(await ledger('mg-complaint0@example.ac.uk')).toMatchObject({ state: 'complained' });
    expect(await ledger('pm-bounce1@example.ac.uk')).toMatchObject({ state: 'failed', provider: 'postmark' });
    expect(await ledger('pm-manual0@example.ac.uk')).toMatchObject({ state: 'unsubscribed' });
    expect(await ledger('ses-bounce2@example.ac.uk')).toMatchObject({ state: 'failed', providerCode: 'BOUNCE', provider: 'ses' });
    expect(await ledger('ses-complaint0@example.ac.uk')).toMatchObject({ state: 'complained' });
    const contact = await table(app.strapi, UID.contact).findOne({ where: { documentId: student } });
    expect(contact).toMatchObject({ emailStatus: 'failed' });
  });

  it('leaves an address that SendGrid only blocked (a refusal about the sender) active, with the block in its history', async () => {
    const blocked = await ledger('sg-block0@example.ac.uk');
    expect(blocked?.state ?? 'active').toBe('active');
    const events = await table(app.strapi, UID.event).findMany({ where: { address: 'sg-block0@example.ac.uk' } });
    expect(events.map((e) => [e.kind, e.rawType])).toEqual([['failed', 'suppression-list/blocks']]);
  });

  it('paged as each API does: SendGrid by offset, Mailgun by its next links, SES by NextToken', async () => {
    // A second pull, watched from the start: SendGrid's 7 bounces at 3 a page are offsets 0, 3 and 6.
    const again = byProvider(await sync().pullAll());
    expect(pagesAsked('/sendgrid/v3/suppression/bounces').map((r) => r.query.get('offset'))).toEqual(['0', '3', '6']);
    const mailgunPages = pagesAsked('/mailgun/v3/mg.example.ac.uk/bounces');
    expect(mailgunPages.map((r) => [r.query.get('page'), r.query.get('address')])).toEqual([
      [null, null],
      ['next', 'mg-bounce2@example.ac.uk'],
      ['next', 'mg-bounce4@example.ac.uk'],
    ]);
    expect(pagesAsked('/ses/v2/email/suppression/addresses').map((r) => r.query.has('NextToken'))).toEqual([false, true]);
    // And it doubled nothing: every entry was stored by the first pull.
    expect(Object.values(again).map((r) => [r.provider, r.entriesNew])).toEqual([
      ['sendgrid', 0],
      ['mailgun', 0],
      ['postmark', 0],
      ['ses', 0],
    ]);
    expect(await listedEventCount()).toBe(LISTED);
  });

  it('keeps the pulled entries off the unmatched-events page', async () => {
    const response = await request(app.server).get('/deliverability/events/unmatched').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.body.data.pagination.total).toBe(0);
  });
});

describe('a provider failing mid-pull', () => {
  it('stops with its cursor kept, and the next run resumes from that page without doubling anything', async () => {
    fake.seed('sendgrid:bounces', [...entries('sg-bounce', 7), ...entries('sg-late', 2, { created: t0 + DAY })]);
    const before = await listedEventCount();
    fake.failures.push({ when: (path, q) => path === '/sendgrid/v3/suppression/bounces' && q.get('offset') === '6', status: 500 });
    const failed = byProvider(await sync().pullAll());
    expect(failed.sendgrid).toMatchObject({ status: 'failed', pagesRead: 2 });
    expect(failed.sendgrid.error).toMatch(/answered 500/);
    // The others are not held up by it.
    expect(failed.mailgun.status).toBe('done');
    const row = await table(app.strapi, UID.suppressionSync).findOne({ where: { provider: 'sendgrid' } });
    expect(row).toMatchObject({ status: 'failed', cursor: { list: 0, page: '6' }, leaseOwner: null });

    fake.requests.length = 0;
    const resumed = byProvider(await sync().pullAll());
    expect(resumed.sendgrid).toMatchObject({ status: 'done', error: null });
    // From the page that failed, not from the start.
    expect(pagesAsked('/sendgrid/v3/suppression/bounces').map((r) => r.query.get('offset'))).toEqual(['6', '9']);
    expect(await listedEventCount()).toBe(before + 2);
    expect(await ledger('sg-late1@example.ac.uk')).toMatchObject({ state: 'failed' });
    const events = await table(app.strapi, UID.event).findMany({ where: { address: 'sg-late0@example.ac.uk' } });
    expect(events).toHaveLength(1);
    // The listings the resumed pull read before it failed are kept: it saw them in this run.
    expect(await table(app.strapi, UID.providerListing).count({ where: { provider: 'sendgrid', list: 'bounces' } })).toBe(9);
  });
});

describe('rate limits', () => {
  it('waits as long as a 429’s Retry-After says, then carries on', async () => {
    fake.failures.push({
      when: (path, q) => path === '/mailgun/v3/mg.example.ac.uk/bounces' && q.get('page') === 'next',
      status: 429,
      headers: { 'retry-after': '2' },
    });
    const results = byProvider(await sync().pullAll());
    expect(results.mailgun.status).toBe('done');
    const pages = pagesAsked('/mailgun/v3/mg.example.ac.uk/bounces');
    const limited = pages.findIndex((r) => r.query.get('page') === 'next');
    expect(pages[limited + 1].query.get('address')).toBe(pages[limited].query.get('address'));
    expect(pages[limited + 1].at - pages[limited].at).toBeGreaterThanOrEqual(1900);
  });

  it('stops (to resume later) when the provider asks for a longer wait than allowed', async () => {
    fake.failures.push({ when: (path) => path === '/ses/v2/email/suppression/addresses', status: 429, headers: { 'retry-after': '3600' } });
    const results = byProvider(await sync().pullAll());
    expect(results.ses).toMatchObject({ status: 'failed' });
    expect(results.ses.error).toMatch(/rate limited/);
    expect(pagesAsked('/ses/v2/email/suppression/addresses')).toHaveLength(1);
    expect(byProvider(await sync().pullAll()).ses.status).toBe('done');
  });
});

describe('from the admin', () => {
  const get = (jwt = token) => request(app.server).get('/deliverability/suppression-sync').set('Authorization', `Bearer ${jwt}`);
  const start = (provider: string, jwt = token) =>
    request(app.server).post(`/deliverability/suppression-sync/${provider}`).set('Authorization', `Bearer ${jwt}`);

  it('starts a pull (202), refuses a second while it runs (409), and shows its progress until done', async () => {
    fake.delayMs = 300;
    try {
      const started = await start('sendgrid');
      expect(started.status).toBe(202);
      expect(started.body.data).toMatchObject({ provider: 'sendgrid', running: true, status: 'running' });
      expect((await start('sendgrid')).status).toBe(409);
      await waitUntil(
        async () => (await get()).body.data.find((s: { provider: string }) => s.provider === 'sendgrid').status === 'done',
        30_000,
        'the pull',
      );
    } finally {
      fake.delayMs = 0;
    }
    const state = (await get()).body.data.find((s: { provider: string }) => s.provider === 'sendgrid');
    expect(state).toMatchObject({ configured: true, running: false, pagesRead: 8, entriesRead: 13, entriesNew: 0, lastError: null });
    expect(state.lists).toEqual(['bounces', 'blocks', 'spam_reports', 'invalid_emails', 'unsubscribes']);
  });

  it('answers 404 for a provider without API credentials, and refuses editors without the action', async () => {
    expect((await start('twilio')).status).toBe(404);
    const reader = await tokenWithActions(app, 'Settings reader', [ACTIONS.settingsRead]);
    expect((await get(reader)).status).toBe(200);
    expect((await start('sendgrid', reader)).status).toBe(403);
  });
});
