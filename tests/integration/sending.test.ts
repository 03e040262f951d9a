/**
 * Sending through the HTTP API and the sandbox transport: the outbox, the suppression check,
 * idempotency keys, the API-token requirement, the address lookup, and every sandbox outcome,
 * with the sandbox reporting back over real HTTP through the signed webhook endpoints.
 */
import request from 'supertest';
import { apiToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { handedOffThen, sandboxConfig } from '../helpers/sandbox';

const LOG = 'plugin::deliverability.delivery-log';
const CONTACT = 'plugin::deliverability.contact';

let app: TestApp;
let token: string;

interface Sandbox {
  received: unknown[];
  flush(): Promise<void>;
}
const sandbox = (channel: 'email' | 'sms'): Sandbox =>
  (app.strapi.plugin('deliverability').service('transports') as { sandbox(c: string): Sandbox }).sandbox(channel);
const retrier = () =>
  app.strapi.plugin('deliverability').service('retrier') as {
    tick(now?: Date): Promise<{ claimed: number; sent: number; skipped: boolean }>;
    stop(timeoutMs?: number): Promise<void>;
  };

async function settle(): Promise<void> {
  await sandbox('email').flush();
  await sandbox('sms').flush();
}

const send = (body: Record<string, unknown>, auth: string | null = token) => {
  const req = request(app.server).post('/api/deliverability/messages');
  if (auth) req.set('Authorization', `Bearer ${auth}`);
  return req.send(body);
};
const email = (address: string, extra: Record<string, unknown> = {}) =>
  send({ channel: 'email', to: { address }, subject: 'Your timetable', text: 'See attached.', source: 'touchpoint', sourceName: 'Week 1', ...extra });
const sms = (address: string, extra: Record<string, unknown> = {}) => send({ channel: 'sms', to: { address }, body: 'Class moved to room 4', ...extra });

const logOf = async (id: string) => app.strapi.db.query(LOG).findOne({ where: { documentId: id } });

/** The content of an email sent now through the API, to give the due messages made up below. */
async function sentContent(address: string): Promise<unknown> {
  const template = await logOf((await email(address)).body.data.id);
  await settle();
  return template.content;
}

/** A deferred email, its second attempt due a minute ago, written straight to the table. */
const createDue = (address: string, content: unknown): Promise<{ documentId: string }> => {
  const past = new Date(Date.now() - 60_000);
  return app.strapi.db.query(LOG).create({
    data: { channel: 'email', address, source: 'touchpoint', status: 'deferred', attempts: 1, firstAttemptAt: past, nextAttemptAt: past, content, publishedAt: past },
  });
};
const eventsOf = async (id: string) =>
  app.strapi.db.query('plugin::deliverability.delivery-event').findMany({ where: { logDocumentId: id }, orderBy: [{ id: 'asc' }] });

beforeAll(async () => {
  const port = await freePort();
  app = await startApp('sending', { pluginConfig: sandboxConfig(port), port });
  await listen(app, port);
  token = await apiToken(app);
});

afterAll(async () => {
  await app?.stop();
});

describe('the HTTP contract', () => {
  it('needs an API token', async () => {
    const response = await email('anyone@example.ac.uk', {}).set('Authorization', '');
    expect([401, 403]).toContain(response.status);
    const anonymous = await send({ channel: 'email', to: { address: 'x@example.ac.uk' }, subject: 's', text: 't' }, null);
    expect([401, 403]).toContain(anonymous.status);
    expect(await app.strapi.db.query(LOG).count({ where: { address: 'x@example.ac.uk' } })).toBe(0);
  });

  it('refuses a read-only token', async () => {
    const readOnly = await apiToken(app, 'read-only');
    const response = await send({ channel: 'email', to: { address: 'ro@example.ac.uk' }, subject: 's', text: 't' }, readOnly);
    expect(response.status).toBe(403);
  });

  it.each([
    [{ channel: 'fax', to: { address: 'a@example.ac.uk' } }, 'channel'],
    [{ channel: 'email', to: { address: 'not-an-email' }, subject: 's', text: 't' }, 'to.address'],
    [{ channel: 'email', to: { address: 'a@example.ac.uk' }, text: 't' }, 'subject'],
    [{ channel: 'email', to: { address: 'a@example.ac.uk' }, subject: 's' }, 'text'],
    [{ channel: 'sms', to: { address: '07700 900123' }, body: 'hi' }, 'to.address'],
    [{ channel: 'sms', to: { address: '+447700900123' } }, 'body'],
    [{ channel: 'email', to: {}, subject: 's', text: 't' }, 'to'],
    [{ channel: 'email', to: { address: 'a@example.ac.uk' }, subject: 's', text: 't', source: 'carrier-pigeon' }, 'source'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const response = await send(body);
    expect(response.status).toBe(400);
    expect(response.body.error.details.field).toBe(field);
    expect(response.body.error.message).toContain(field);
  });

  it('answers 201 with the message id and status, and the delivery report follows', async () => {
    const response = await email('Clean.Student@Example.ac.uk');
    expect(response.status).toBe(201);
    expect(response.body.data).toMatchObject({ status: handedOffThen('delivered'), channel: 'email', address: 'clean.student@example.ac.uk', attempts: 1, provider: 'sandbox', source: 'touchpoint', sourceName: 'Week 1' });
    expect(typeof response.body.data.id).toBe('string');
    await settle();
    const log = await logOf(response.body.data.id);
    expect(log.status).toBe('delivered');
    const kinds = (await eventsOf(response.body.data.id)).map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(['send_attempt', 'accepted', 'delivered']);
  });

  it('creates one message for one idempotency key', async () => {
    const first = await email('once@example.ac.uk', { idempotencyKey: 'campaign-7:student-1' });
    const second = await email('once@example.ac.uk', { idempotencyKey: 'campaign-7:student-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.data.id).toBe(first.body.data.id);
    expect(second.body.meta.duplicate).toBe(true);
    expect(await app.strapi.db.query(LOG).count({ where: { idempotencyKey: 'campaign-7:student-1' } })).toBe(1);
  });

  it('refuses the same idempotency key with a different request (409), and keeps the first message', async () => {
    const first = await email('keyed@example.ac.uk', { idempotencyKey: 'enrolment-2026:42' });
    expect(first.status).toBe(201);
    const otherRecipient = await email('someone.else@example.ac.uk', { idempotencyKey: 'enrolment-2026:42' });
    expect(otherRecipient.status).toBe(409);
    expect(otherRecipient.body.error.details.field).toBe('idempotencyKey');
    expect(otherRecipient.body.error.message).toMatch(/already used for a different request/);
    const otherContent = await email('keyed@example.ac.uk', { idempotencyKey: 'enrolment-2026:42', subject: 'Another subject' });
    expect(otherContent.status).toBe(409);
    // The same request again is still the first message.
    const again = await email('keyed@example.ac.uk', { idempotencyKey: 'enrolment-2026:42' });
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(await app.strapi.db.query(LOG).count({ where: { idempotencyKey: 'enrolment-2026:42' } })).toBe(1);
    expect(await app.strapi.db.query(LOG).count({ where: { address: 'someone.else@example.ac.uk' } })).toBe(0);
  });

  it('keeps each API token’s idempotency keys apart', async () => {
    const otherToken = await apiToken(app);
    const mine = await email('shared-key@example.ac.uk', { idempotencyKey: 'nightly:1' });
    const theirs = await email('shared-key@example.ac.uk', { idempotencyKey: 'nightly:1' }).set('Authorization', `Bearer ${otherToken}`);
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.data.id).not.toBe(mine.body.data.id);
    // Each token's repeat finds its own message.
    const theirsAgain = await email('shared-key@example.ac.uk', { idempotencyKey: 'nightly:1' }).set('Authorization', `Bearer ${otherToken}`);
    expect(theirsAgain.status).toBe(200);
    expect(theirsAgain.body.data.id).toBe(theirs.body.data.id);
  });

  it('sends to a contact by documentId, and refuses a contact without the channel', async () => {
    const contact = await app.strapi.documents(CONTACT).create({ data: { firstName: 'Noor', email: 'noor@example.ac.uk' } });
    const ok = await send({ channel: 'email', to: { contact: contact.documentId }, subject: 'Hello', html: '<p>Hi</p>' });
    expect(ok.status).toBe(201);
    expect(ok.body.data.contact).toEqual({ type: CONTACT, documentId: contact.documentId });
    const noMobile = await send({ channel: 'sms', to: { contact: contact.documentId }, body: 'hi' });
    expect(noMobile.status).toBe(400);
    expect(noMobile.body.error.details.field).toBe('to.contact');
    const missing = await send({ channel: 'email', to: { contact: 'does-not-exist' }, subject: 's', text: 't' });
    expect(missing.status).toBe(404);
  });
});

describe('suppression', () => {
  it('marks a hard-bounced address failed, then drops the next message without handing it over', async () => {
    const contact = await app.strapi.documents(CONTACT).create({ data: { firstName: 'Amira', email: 'amira@bounce.test' } });
    const first = await email('amira@bounce.test');
    await settle();
    expect((await logOf(first.body.data.id)).status).toBe('bounced');
    const mirror = await app.strapi.db.query(CONTACT).findOne({ where: { documentId: contact.documentId } });
    expect(mirror.emailStatus).toBe('failed');

    const handedOver = sandbox('email').received.length;
    const second = await email('AMIRA@bounce.test');
    expect(second.status).toBe(201);
    expect(second.body.data.status).toBe('dropped');
    expect(second.body.data.reason).toMatch(/Not sent: the address is failed/);
    expect(sandbox('email').received.length).toBe(handedOver);
    const events = await eventsOf(second.body.data.id);
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(['dropped']);
  });

  it('answers the address lookup, normalized', async () => {
    const response = await request(app.server).get('/api/deliverability/addresses/email/AMIRA@Bounce.test').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ channel: 'email', address: 'amira@bounce.test', status: 'failed', suppressed: true });
    expect(response.body.data.reason).toMatch(/550 5.1.1/);
    const unknown = await request(app.server).get('/api/deliverability/addresses/sms/+44 7700 900999').set('Authorization', `Bearer ${token}`);
    expect(unknown.body.data).toMatchObject({ address: '+447700900999', status: 'active', suppressed: false });
    const bad = await request(app.server).get('/api/deliverability/addresses/sms/not-a-number').set('Authorization', `Bearer ${token}`);
    expect(bad.status).toBe(400);
    const anonymous = await request(app.server).get('/api/deliverability/addresses/email/amira@bounce.test');
    expect([401, 403]).toContain(anonymous.status);
  });

  it('a complaint suppresses as complained; an unsubscribe as unsubscribed', async () => {
    await email('c@complain.test');
    await email('u@unsubscribe.test');
    await settle();
    const lookup = async (a: string) => (await request(app.server).get(`/api/deliverability/addresses/email/${a}`).set('Authorization', `Bearer ${token}`)).body.data.status;
    expect(await lookup('c@complain.test')).toBe('complained');
    expect(await lookup('u@unsubscribe.test')).toBe('unsubscribed');
    expect((await email('c@complain.test')).body.data.status).toBe('dropped');
  });
});

describe('soft bounces and the retrier (clock controlled by the test)', () => {
  it('re-sends a soft-bouncing message on the backoff schedule until it is delivered', async () => {
    const response = await email('ben@full.test');
    await settle();
    let log = await logOf(response.body.data.id);
    expect(log.status).toBe('deferred');
    const firstRetry = new Date(log.nextAttemptAt).getTime() - Date.now();
    expect(firstRetry).toBeGreaterThan(14 * 60_000);
    expect(firstRetry).toBeLessThanOrEqual(15 * 60_000);

    // Not due yet: nothing is claimed.
    expect((await retrier().tick(new Date(Date.now() + 10 * 60_000))).claimed).toBe(0);

    await retrier().tick(new Date(Date.now() + 16 * 60_000));
    await settle();
    log = await logOf(response.body.data.id);
    expect(log.attempts).toBe(2);
    expect(log.status).toBe('deferred');
    const secondRetry = new Date(log.nextAttemptAt).getTime() - Date.now();
    expect(secondRetry).toBeGreaterThan(29 * 60_000);
    expect(secondRetry).toBeLessThanOrEqual(30 * 60_000);

    await retrier().tick(new Date(Date.now() + 31 * 60_000));
    await settle();
    log = await logOf(response.body.data.id);
    expect(log.attempts).toBe(3);
    expect(log.status).toBe('delivered');
    const ledger = await request(app.server).get('/api/deliverability/addresses/email/ben@full.test').set('Authorization', `Bearer ${token}`);
    expect(ledger.body.data.status).toBe('active');

    const kinds = (await eventsOf(response.body.data.id)).map((e: { kind: string }) => e.kind);
    expect(kinds.filter((k: string) => k === 'send_attempt')).toHaveLength(3);
    expect(kinds.filter((k: string) => k === 'soft_bounce')).toHaveLength(2);
  });

  it('does not re-send while the provider itself is still retrying (deferred)', async () => {
    const response = await email('slow@defer.test');
    await settle();
    const log = await logOf(response.body.data.id);
    expect(log.status).toBe('delivered');
    expect(log.attempts).toBe(1);
    const kinds = (await eventsOf(response.body.data.id)).map((e: { kind: string; outcome: string }) => `${e.kind}:${e.outcome}`);
    expect(kinds).toContain('delivery_delayed:no_change');
  });

  it('retries a synchronous temporary failure, and gives a synchronous 550 the hard-bounce treatment', async () => {
    const offline = await email('o@offline.test');
    expect(offline.body.data.status).toBe('deferred');
    expect(offline.body.data.lastError).toMatch(/451 4.4.1/);
    const rejected = await email('r@reject.test');
    expect(rejected.body.data.status).toBe('bounced');
    const lookup = await request(app.server).get('/api/deliverability/addresses/email/r@reject.test').set('Authorization', `Bearer ${token}`);
    expect(lookup.body.data.status).toBe('failed');
  });

  it('drops a due retry when the address was suppressed in the meantime', async () => {
    const response = await email('later@full.test');
    await settle();
    expect((await logOf(response.body.data.id)).status).toBe('deferred');
    await app.strapi.db.query('plugin::deliverability.address').update({ where: { channel: 'email', address: 'later@full.test' }, data: { state: 'complained' } });
    const handedOver = () => (sandbox('email').received as { logDocumentId: string }[]).filter((m) => m.logDocumentId === response.body.data.id).length;
    expect(handedOver()).toBe(1);
    await retrier().tick(new Date(Date.now() + 16 * 60_000));
    expect((await logOf(response.body.data.id)).status).toBe('dropped');
    expect(handedOver()).toBe(1);
  });
});

describe('the retrier itself', () => {
  it('skips a tick while the previous one is still running', async () => {
    for (let i = 0; i < 3; i++) await email(`queue-${i}@full.test`);
    await settle();
    const [first, second] = await Promise.all([retrier().tick(new Date(Date.now() + 16 * 60_000)), retrier().tick(new Date(Date.now() + 16 * 60_000))]);
    expect(first.skipped).toBe(false);
    expect(first.claimed).toBeGreaterThanOrEqual(3);
    expect(second).toMatchObject({ skipped: true, claimed: 0 });
  });

  it('attempts a mixed batch of due messages in one tick: each handed over, dropped or refused once, and recorded', async () => {
    const content = await sentContent('template@full.test');
    const ok: string[] = [];
    const refused: string[] = [];
    const suppressed: string[] = [];
    for (let i = 0; i < 150; i++) {
      const kind = i % 5 === 0 ? 'refused' : i % 5 === 1 ? 'suppressed' : 'ok';
      const address = kind === 'refused' ? `batch-${i}@reject.test` : `batch-${i}@${kind === 'ok' ? 'school' : 'gone'}.example`;
      const row = await createDue(address, content);
      ({ ok, refused, suppressed })[kind].push(row.documentId);
      if (kind === 'suppressed') {
        await app.strapi.db.query('plugin::deliverability.address').create({ data: { channel: 'email', address, state: 'complained' } });
      }
    }

    const tick = await retrier().tick(new Date());
    await settle();
    expect(tick).toMatchObject({ claimed: 150, sent: ok.length, failed: refused.length, dropped: suppressed.length, passedOver: 0 });

    const notIn = async (ids: string[], statuses: string[]) =>
      (await app.strapi.db.query(LOG).findMany({ where: { documentId: { $in: ids } } }))
        .filter((l: { status: string }) => !statuses.includes(l.status))
        .map((l: { documentId: string; status: string; attempts: number }) => `${l.documentId}: ${l.status} after ${l.attempts}`);
    // Handed over and recorded (the sandbox's delivery reports, 300 webhooks at once, may still be on their way on a loaded machine).
    expect(await notIn(ok, ['sent', 'delivered'])).toEqual([]);
    expect(await notIn(refused, ['bounced'])).toEqual([]);
    expect(await notIn(suppressed, ['dropped'])).toEqual([]);
    const all = [...ok, ...refused, ...suppressed];
    const leased = await app.strapi.db.query(LOG).count({ where: { documentId: { $in: all }, leaseOwner: { $notNull: true } } });
    expect(leased).toBe(0);

    // One attempt event for attempt 2 of each message handed over, none for a dropped one, and one drop each.
    const events = await app.strapi.db
      .query('plugin::deliverability.delivery-event')
      .findMany({ where: { logDocumentId: { $in: all }, kind: { $in: ['send_attempt', 'dropped'] } } });
    const attemptsOf = (id: string) => events.filter((e: { logDocumentId: string; kind: string; attempt: number }) => e.logDocumentId === id && e.kind === 'send_attempt' && e.attempt === 2).length;
    expect([...ok, ...refused].filter((id) => attemptsOf(id) !== 1)).toEqual([]);
    expect(suppressed.filter((id) => attemptsOf(id) !== 0)).toEqual([]);
    expect(events.filter((e: { kind: string }) => e.kind === 'dropped')).toHaveLength(suppressed.length);
    const handedOver = new Map<string, number>();
    for (const m of sandbox('email').received as { logDocumentId: string }[]) handedOver.set(m.logDocumentId, (handedOver.get(m.logDocumentId) ?? 0) + 1);
    expect(ok.filter((id) => handedOver.get(id) !== 1)).toEqual([]);
    expect(suppressed.filter((id) => handedOver.has(id))).toEqual([]);
  });

  it('claims a batch a chunk at a time: the first hand-off leaves before the whole batch is claimed, and the tick still takes it all', async () => {
    const content = await sentContent('chunks-template@school.example');
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push((await createDue(`chunk-${i}@school.example`, content)).documentId);
    // How many of them are claimed when the first one is handed over.
    type Transports = { for(channel: string): { send(message: unknown): Promise<unknown> } };
    const transports = app.strapi.plugin('deliverability').service('transports') as Transports;
    const original = transports.for;
    let claimedAtFirstHandOff: Promise<number> | null = null;
    transports.for = (channel) => {
      const transport = original.call(transports, channel);
      return {
        ...transport,
        send: async (message: unknown) => {
          claimedAtFirstHandOff ??= app.strapi.db.query(LOG).count({ where: { documentId: { $in: ids }, leaseOwner: { $notNull: true } } });
          await claimedAtFirstHandOff;
          return transport.send(message);
        },
      };
    };
    try {
      const tick = await retrier().tick(new Date());
      // Four hand-offs at once (the default concurrency): a first claim of 4, then chunks of 16.
      expect(claimedAtFirstHandOff).not.toBeNull();
      expect(await claimedAtFirstHandOff!).toBeLessThanOrEqual(4 + 16);
      expect(tick).toMatchObject({ claimed: 120, sent: 120 });
    } finally {
      transports.for = original;
    }
    await settle();
  });

  it('hands each message over once a tick, even when its next attempt falls before the time the tick judges at', async () => {
    // A tick judged 3 hours ahead (as the tests' ticks are): a synchronous 451 defers each message
    // by minutes, due again at the tick's time, and a later claim of the same tick must not take it.
    const content = await sentContent('twice-template@school.example');
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await createDue(`twice-${i}@offline.test`, content)).documentId);
    const received = () => (sandbox('email').received as { logDocumentId: string }[]).filter((m) => ids.includes(m.logDocumentId));
    const before = received().length;
    await retrier().tick(new Date(Date.now() + 3 * 3_600_000));
    // (The tick also takes other tests' messages that are due by then.)
    expect(received().length - before).toBe(60);
    expect(new Set(received().slice(before).map((m) => m.logDocumentId)).size).toBe(60);
    const logs = await app.strapi.db.query(LOG).findMany({ where: { documentId: { $in: ids } } });
    expect(logs.filter((log: { attempts: number }) => log.attempts !== 2)).toEqual([]);
  });

  it('stop() waits for the tick in flight', async () => {
    await email('in-flight@full.test');
    await settle();
    let finished = false;
    const tick = retrier()
      .tick(new Date(Date.now() + 16 * 60_000))
      .then((result) => {
        finished = true;
        return result;
      });
    await retrier().stop();
    expect(finished).toBe(true);
    expect((await tick).claimed).toBeGreaterThanOrEqual(1);
  });
});

describe('SMS through the sandbox', () => {
  const lookup = async (number: string) =>
    (await request(app.server).get(`/api/deliverability/addresses/sms/${encodeURIComponent(number)}`).set('Authorization', `Bearer ${token}`)).body.data;

  it('a permanent Twilio code marks the number failed and records the code', async () => {
    const response = await sms('+447009930005');
    await settle();
    const log = await logOf(response.body.data.id);
    expect(log.status).toBe('failed');
    expect(log.lastError).toMatch(/30005/);
    expect((await lookup('+447009930005')).status).toBe('failed');
  });

  it('STOP (21610) marks the number opted out', async () => {
    await sms('+447009921610');
    await settle();
    expect((await lookup('+447009921610')).status).toBe('opted_out');
  });

  it('a content error (30007) fails the message and leaves the number active', async () => {
    const response = await sms('+447009930007');
    await settle();
    expect((await logOf(response.body.data.id)).status).toBe('failed');
    expect((await lookup('+447009930007')).status).toBe('active');
  });

  it('a transient error (30003) is retried like a soft bounce, then delivered', async () => {
    const response = await sms('+447009930003');
    await settle();
    expect((await logOf(response.body.data.id)).status).toBe('deferred');
    expect((await lookup('+447009930003')).status).toBe('soft_bouncing');
    await retrier().tick(new Date(Date.now() + 16 * 60_000));
    await settle();
    await retrier().tick(new Date(Date.now() + 31 * 60_000));
    await settle();
    const log = await logOf(response.body.data.id);
    expect(log.status).toBe('delivered');
    expect(log.attempts).toBe(3);
    expect((await lookup('+447009930003')).status).toBe('active');
  });
});
