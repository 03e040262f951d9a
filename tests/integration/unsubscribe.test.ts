/**
 * One-click unsubscribe (RFC 8058) on a real Strapi: a bulk send's email carries List-Unsubscribe
 * and List-Unsubscribe-Post with a working link; the link's GET shows a page and changes nothing;
 * its POST unsubscribes the address through the intake (Full Logs, the ledger, the student's
 * badge, the reports); forged, tampered, expired and malformed links change nothing; a replay is
 * harmless. Other email carries no such header.
 */
import request from 'supertest';
import { signUnsubscribeToken } from '../../server/src/core/unsubscribe';
import { adminToken } from '../helpers/app';
import { createContact, UID } from '../helpers/admin';
import {
  bulkSendTo,
  createCohort,
  ledgerStateOf,
  ONE_CLICK,
  startUnsubscribeApp,
  unsubscribeEventsOf,
  unsubscribePathOf,
  UNSUBSCRIBE_SECRET,
  type HandedOver,
  type UnsubscribeApp,
} from '../helpers/unsubscribe';

jest.setTimeout(120_000);

let app: UnsubscribeApp;
let admin: string;
let origin: string;
let bulkSendId: string;
/** The bulk send's messages, by address. */
const messages = new Map<string, HandedOver>();

const linkOf = (address: string) => unsubscribePathOf(messages.get(address)?.headers, origin);
const tokenOf = (address: string) => linkOf(address).split('/').pop()!;
const eventCount = () => app.strapi.db.query(UID.event as 'plugin::deliverability.delivery-event').count({});
const adminGet = (path: string) => request(app.server).get(`/deliverability${path}`).set('Authorization', `Bearer ${admin}`);
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  app = await startUnsubscribeApp('unsubscribe', {}, { mailto: 'leave@college.example' });
  origin = `http://127.0.0.1:${app.port}`;
  admin = await adminToken(app);
  await createContact(app, { firstName: 'Amira', lastName: 'Oneclick', email: 'amira@example.ac.uk' });
  await createContact(app, { firstName: 'Bea', lastName: 'Oneclick', email: 'bea@example.ac.uk' });
  // The sandbox hard-bounces this domain: the address ends failed, not unsubscribed.
  await createContact(app, { firstName: 'Cyd', lastName: 'Oneclick', email: 'cyd@bounce.test' });
  await createCohort(app, 'Oneclick', 5);
  bulkSendId = await bulkSendTo(app, 'Oneclick');
  const logs = await app.strapi.db.query(UID.log as 'plugin::deliverability.delivery-log').findMany({ where: { bulkSendId }, select: ['documentId'] });
  const ids = new Set(logs.map((l: { documentId: string }) => l.documentId));
  for (const handed of app.handedOver()) if (ids.has(handed.logDocumentId)) messages.set(handed.to, handed);
  // The sandbox's delivery reports are in before any test counts events.
  await app.flush();
});

afterAll(async () => {
  await app?.stop();
});

describe('the headers', () => {
  it('every message of a bulk send carries both, with a link to this site and the mailto', () => {
    expect(messages.size).toBe(8);
    for (const [, handed] of messages) {
      expect(handed.headers?.['List-Unsubscribe-Post']).toBe(ONE_CLICK);
      expect(handed.headers?.['List-Unsubscribe']).toMatch(
        new RegExp(`^<${origin}/api/deliverability/unsubscribe/1\\.e\\.${handed.logDocumentId}\\.[0-9a-z]+\\.[A-Za-z0-9_-]{43}>, <mailto:leave@college\\.example\\?subject=unsubscribe>$`),
      );
      // The address is not in the link: it is read from the message's log.
      expect(handed.headers?.['List-Unsubscribe']).not.toContain(handed.to.split('@')[0]);
    }
  });

  it('a transactional or critical bulk send carries neither (core/categories.ts); marketing, the default, does', async () => {
    for (const category of ['transactional', 'critical']) {
      const cohort = `Category${category}`;
      await createCohort(app, cohort, 2);
      const sendId = await bulkSendTo(app, cohort, { category });
      const logs = await app.strapi.db.query(UID.log as 'plugin::deliverability.delivery-log').findMany({ where: { bulkSendId: sendId }, select: ['documentId'] });
      const ids = new Set(logs.map((l: { documentId: string }) => l.documentId));
      const handed = app.handedOver().filter((m) => ids.has(m.logDocumentId));
      expect(handed).toHaveLength(2);
      for (const message of handed) expect(message.headers).toBeUndefined();
    }
    await app.flush();
  });

  it('a single message (not a bulk send) carries neither', async () => {
    const service = app.strapi.plugin('deliverability').service('messages') as { send(input: unknown): Promise<{ id: string }> };
    const sent = await service.send({ channel: 'email', to: { address: 'single@example.ac.uk' }, subject: 'Timetable', text: 'Room 4', source: 'touchpoint', sourceName: 'Timetable' });
    await app.flush();
    const handed = app.handedOver().find((m) => m.logDocumentId === sent.id);
    expect(handed).toBeDefined();
    expect(handed!.headers).toBeUndefined();
  });
});

describe('the boot check', () => {
  it('with a secret but an http publicUrl, warns that mailbox providers want https', () => {
    const warnings: string[] = [];
    const log = app.strapi.log as unknown as { warn(text: string): void };
    const original = log.warn;
    log.warn = (text: string) => void warnings.push(text);
    try {
      (app.strapi.plugin('deliverability').service('unsubscribe') as { warnIfDisabled(): void }).warnIfDisabled();
    } finally {
      log.warn = original;
    }
    expect(warnings).toEqual([expect.stringMatching(/publicUrl is not https/)]);
  });
});

describe('the link', () => {
  it('GET shows a page with a button that posts the one-click body, and changes nothing', async () => {
    const before = await eventCount();
    const page = await request(app.server).get(linkOf('amira@example.ac.uk'));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('a•••@example.ac.uk');
    expect(page.text).not.toContain('amira@');
    expect(page.text).toContain(`<form method="post" action="${linkOf('amira@example.ac.uk')}">`);
    expect(page.text).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(await ledgerStateOf(app, 'amira@example.ac.uk')).not.toBe('unsubscribed');
    expect(await eventCount()).toBe(before);
  });

  it('GET for an address suppressed for another reason (a hard bounce) still offers the button', async () => {
    expect(await ledgerStateOf(app, 'cyd@bounce.test')).toBe('failed');
    const page = await request(app.server).get(linkOf('cyd@bounce.test'));
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(page.text).not.toContain('already unsubscribed');
  });

  it('POST with the RFC 8058 body unsubscribes the address, without cookies or login', async () => {
    const link = linkOf('amira@example.ac.uk');
    const response = await request(app.server).post(link).type('form').send(ONE_CLICK);
    expect(response.status).toBe(200);
    expect(response.text).toContain('will get no more bulk email');
    expect(await ledgerStateOf(app, 'amira@example.ac.uk')).toBe('unsubscribed');
    const events = await unsubscribeEventsOf(app, messages.get('amira@example.ac.uk')!.logDocumentId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ provider: 'one-click', outcome: 'applied', address: 'amira@example.ac.uk' });
    // The student's badge (the contact's mirror) follows the ledger.
    const contact = await app.strapi.db.query(UID.contact as 'plugin::deliverability.contact').findOne({ where: { email: 'amira@example.ac.uk' } });
    expect(contact.emailStatus).toBe('unsubscribed');
    // Later sends to the address are dropped, as for any suppressed address.
    const service = app.strapi.plugin('deliverability').service('messages') as { send(input: unknown): Promise<{ status: string }> };
    expect((await service.send({ channel: 'email', to: { address: 'amira@example.ac.uk' }, subject: 'Hi', text: 'Hi', source: 'touchpoint', sourceName: 'After' })).status).toBe('dropped');
  });

  it('shows in Full Logs as an event of the message it came from', async () => {
    const logId = messages.get('amira@example.ac.uk')!.logDocumentId;
    const one = await adminGet(`/logs/${logId}`);
    expect(one.status).toBe(200);
    const event = (one.body.data.events as { kind: string; provider: string; reason: string }[]).find((e) => e.kind === 'unsubscribe');
    expect(event).toMatchObject({ provider: 'one-click' });
    expect(event!.reason).toMatch(/Unsubscribe reported by the one-click unsubscribe link/);
  });

  it('a second POST (a replay, a double click) answers 200 and records nothing more', async () => {
    const before = await eventCount();
    const again = await request(app.server).post(linkOf('amira@example.ac.uk')).type('form').send(ONE_CLICK);
    expect(again.status).toBe(200);
    expect(await eventCount()).toBe(before);
    expect(await unsubscribeEventsOf(app, messages.get('amira@example.ac.uk')!.logDocumentId)).toHaveLength(1);
    const page = await request(app.server).get(linkOf('amira@example.ac.uk'));
    expect(page.text).toContain('is already unsubscribed');
  });

  it('accepts the body as multipart form data too, as some mail providers post it', async () => {
    const response = await request(app.server).post(linkOf('oneclick.1@example.ac.uk')).field('List-Unsubscribe', 'One-Click');
    expect(response.status).toBe(200);
    expect(await ledgerStateOf(app, 'oneclick.1@example.ac.uk')).toBe('unsubscribed');
  });

  it('is counted in the reports: one-click, and per bulk send', async () => {
    const report = await adminGet(`/reports/unsubscribes?from=${today()}&to=${today()}`);
    expect(report.status).toBe(200);
    expect(report.body.data).toMatchObject({ total: 2, oneClick: 2, reportedByProviders: 0, byBulkSend: [{ bulkSendId, oneClick: 2 }] });
    // A period before today counts none of them.
    const before = await adminGet('/reports/unsubscribes?from=2026-01-01&to=2026-01-02');
    expect(before.body.data).toMatchObject({ total: 0, oneClick: 0, byBulkSend: [] });
    expect((await adminGet('/reports/unsubscribes?from=x')).status).toBe(400);
  });
});

describe('after an editor reactivates the address', () => {
  it('the same link unsubscribes it again: the latest request wins', async () => {
    const address = 'amira@example.ac.uk';
    const reactivated = await request(app.server)
      .post('/deliverability/addresses/reactivate')
      .set('Authorization', `Bearer ${admin}`)
      .send({ channel: 'email', address, reason: 'Asked at the front desk to get term news again' });
    expect(reactivated.status).toBe(200);
    expect(await ledgerStateOf(app, address)).toBe('active');
    const again = await request(app.server).post(linkOf(address)).type('form').send(ONE_CLICK);
    expect(again.status).toBe(200);
    expect(await ledgerStateOf(app, address)).toBe('unsubscribed');
    const events = await unsubscribeEventsOf(app, messages.get(address)!.logDocumentId);
    expect(events.map((e) => e.outcome)).toEqual(['applied', 'applied']);
    // And a replay of that second request is harmless too.
    await request(app.server).post(linkOf(address)).type('form').send(ONE_CLICK);
    expect(await unsubscribeEventsOf(app, messages.get(address)!.logDocumentId)).toHaveLength(2);
  });
});

describe('links that change nothing', () => {
  const target = 'oneclick.0@example.ac.uk';
  /** `token` with its MAC's first character changed. */
  const tampered = (token: string) => token.replace(/\.([A-Za-z0-9_-])([A-Za-z0-9_-]{42})$/, (_m, c: string, rest: string) => `.${c === 'A' ? 'B' : 'A'}${rest}`);
  const claimOf = (token: string) => {
    const [, , logDocumentId, expiry] = token.split('.');
    return { channel: 'email' as const, logDocumentId, expiresAt: parseInt(expiry, 36) * 1000 };
  };
  const base = '/api/deliverability/unsubscribe/';

  it.each([
    ['a changed MAC', 403, () => tampered(tokenOf(target))],
    ['a later expiry with the old MAC', 403, () => tokenOf(target).replace(/\.([0-9a-z]+)\.([^.]+)$/, (_m, e: string, mac: string) => `.${(parseInt(e, 36) + 86_400).toString(36)}.${mac}`)],
    ["another message's id with this MAC", 403, () => tokenOf(target).replace(messages.get(target)!.logDocumentId, messages.get('oneclick.2@example.ac.uk')!.logDocumentId)],
    ['a message that does not exist', 404, () => tokenOf(target).replace(messages.get(target)!.logDocumentId, 'zzzzzzzzzzzzzzzzzzzzzzzz')],
    ['the right message signed with another secret', 403, () => signUnsubscribeToken('another-secret-of-enough-length-0000', claimOf(tokenOf(target)), target)],
    ['the right message signed for another address', 403, () => signUnsubscribeToken(UNSUBSCRIBE_SECRET, claimOf(tokenOf(target)), 'oneclick.3@example.ac.uk')],
    ['an expired link, properly signed', 410, () => signUnsubscribeToken(UNSUBSCRIBE_SECRET, { ...claimOf(tokenOf(target)), expiresAt: Date.now() - 1000 }, target)],
    ['a malformed token', 400, () => 'not-a-token'],
    ['an over-long token', 400, () => `${tokenOf(target)}${'a'.repeat(300)}`],
  ])('%s: POST and GET answer %i, and nothing is recorded', async (_what, status, token) => {
    const before = await eventCount();
    const post = await request(app.server).post(`${base}${token()}`).type('form').send(ONE_CLICK);
    const get = await request(app.server).get(`${base}${token()}`);
    expect([post.status, get.status]).toEqual([status, status]);
    expect(post.headers['content-type']).toMatch(/^text\/html/);
    expect(post.text).not.toContain('no more bulk email');
    expect(await ledgerStateOf(app, target)).not.toBe('unsubscribed');
    expect(await ledgerStateOf(app, 'oneclick.2@example.ac.uk')).not.toBe('unsubscribed');
    expect(await ledgerStateOf(app, 'oneclick.3@example.ac.uk')).not.toBe('unsubscribed');
    expect(await eventCount()).toBe(before);
  });

  it('a POST without the one-click body answers 400 with the button, and records nothing', async () => {
    const before = await eventCount();
    const bare = await request(app.server).post(linkOf(target));
    expect(bare.status).toBe(400);
    expect(bare.text).toContain('name="List-Unsubscribe" value="One-Click"');
    const wrong = await request(app.server).post(linkOf(target)).type('form').send('List-Unsubscribe=Yes');
    expect(wrong.status).toBe(400);
    expect(await ledgerStateOf(app, target)).not.toBe('unsubscribed');
    expect(await eventCount()).toBe(before);
  });

  it('a database failure while the intake writes: 503, and nothing of it is kept; the retry then works', async () => {
    const address = 'bea@example.ac.uk';
    const contactOf = () => app.strapi.db.query(UID.contact as 'plugin::deliverability.contact').findOne({ where: { email: address } });
    const before = { events: await eventCount(), ledger: await ledgerStateOf(app, address), mirror: (await contactOf()).emailStatus };
    // The contact's badge is written last in the intake's transaction: the event and the ledger are written by then.
    const db = app.strapi.db;
    const query = db.query;
    db.query = ((uid: Parameters<typeof query>[0]) => {
      const real = query.call(db, uid);
      if (uid !== UID.contact) return real;
      return { ...real, update: () => Promise.reject(new Error('injected fault')), updateMany: () => Promise.reject(new Error('injected fault')) };
    }) as typeof query;
    app.strapi.log.silent = true;
    let failed;
    try {
      failed = await request(app.server).post(linkOf(address)).type('form').send(ONE_CLICK);
    } finally {
      db.query = query;
      app.strapi.log.silent = false;
    }
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBeDefined();
    expect({ events: await eventCount(), ledger: await ledgerStateOf(app, address), mirror: (await contactOf()).emailStatus }).toEqual(before);
    const retried = await request(app.server).post(linkOf(address)).type('form').send(ONE_CLICK);
    expect(retried.status).toBe(200);
    expect(await ledgerStateOf(app, address)).toBe('unsubscribed');
    expect((await contactOf()).emailStatus).toBe('unsubscribed');
  });

  it('the valid link still works after all that', async () => {
    expect((await request(app.server).post(linkOf(target)).type('form').send(ONE_CLICK)).status).toBe(200);
    expect(await ledgerStateOf(app, target)).toBe('unsubscribed');
  });
});
