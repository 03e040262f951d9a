/**
 * Re-classifying a misread event from Full Logs, against a real Strapi: the event takes the
 * corrected kind, the address is decided again from its whole history (so another real bounce
 * still counts), the contact mirror follows, the audit trail keeps who and why; bad requests
 * change nothing; and a correction racing a new bounce of the same address ends the same way in
 * either order, on SQLite, PostgreSQL and MariaDB.
 */
import request from 'supertest';
import { adminToken, type TestAppOptions } from '../helpers/app';
import { ACTIONS, tokenWithActions } from '../helpers/admin';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { signedRequest, webhookSuite } from '../helpers/webhook-suite';
import { contactRow, eventRows, ledgerRow, q, seedMessage, snapshot, UID, vectors, type Json } from '../helpers/webhooks';

const DATABASES: ('sqlite' | ServerKind)[] = ['sqlite', ...serverKinds('reclassify.test.ts')];

/** A 5.7.1 whose text names no policy: the table leaves it a hard bounce; an editor knows better. */
const MISREAD = { type: 'bounce', status: '5.7.1', reason: '550 5.7.1 Mailbox unavailable for this sender' };
const DEAD = { type: 'bounce', status: '5.1.1', reason: '550 5.1.1 No such user' };
const FULL = { type: 'blocked', status: '4.2.2', reason: '452 4.2.2 Mailbox full' };

describe.each(DATABASES)('on %s', (label) => {
  const options: TestAppOptions = { pluginConfig: { providers: { sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der } } } };
  let server: ServerDatabase | null = null;
  beforeAll(async () => {
    if (label === 'sqlite') return;
    server = await createServerDatabase(label, 'reclassify');
    options.database = server.strapiConnection;
  });
  const suite = webhookSuite(`reclassify-${label}`, options);
  afterAll(async () => {
    await server?.drop();
  });

  let token: string;
  beforeEach(async () => {
    token ??= await adminToken(suite.app);
  });

  let sequence = 0;
  /** A message to `address` and SendGrid's signed report of `bounce` about it; returns the stored event's document id. */
  async function bounce(address: string, shape: Record<string, string>): Promise<{ eventId: string; contactId: string }> {
    sequence += 1;
    const messageId = `rc${label}${sequence}${Date.now()}`;
    const { contactId } = await seedMessage(suite.strapi, { channel: 'email', address, provider: 'sendgrid', providerMessageId: messageId });
    const payload: Json = [{ email: address, event: 'bounce', ...shape, sg_event_id: `rc-${sequence}-${Date.now()}`, sg_message_id: `${messageId}.f`, timestamp: Math.floor(Date.now() / 1000) }];
    expect((await suite.send(signedRequest('sendgrid', payload))).status).toBe(200);
    const [event] = await eventRows(suite.strapi, { providerMessageId: messageId });
    return { eventId: event.documentId, contactId };
  }

  const reclassify = (eventId: string, body: unknown, bearer = token) =>
    request(suite.app.server).post(`/deliverability/events/${eventId}/reclassify`).set('Authorization', `Bearer ${bearer}`).send(body as object);

  it('a misread hard bounce corrected to a block of the sender: the address is active again, audited, in Full Logs', async () => {
    const { eventId, contactId } = await bounce('ana@college.example', MISREAD);
    expect((await ledgerRow(suite.strapi, 'email', 'ana@college.example'))?.state).toBe('failed');
    expect((await contactRow(suite.strapi, contactId)).emailStatus).toBe('failed');

    const response = await reclassify(eventId, { kind: 'sender_block', reason: 'Their gateway refuses our new IP; the mailbox exists.' });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ before: { kind: 'hard_bounce', address: { state: 'failed' } }, after: { kind: 'sender_block', address: { state: 'active' } } });

    expect((await ledgerRow(suite.strapi, 'email', 'ana@college.example'))?.state).toBe('active');
    expect((await contactRow(suite.strapi, contactId)).emailStatus).toBe('active');
    const [event] = await eventRows(suite.strapi, { documentId: eventId });
    expect(event.kind).toBe('sender_block');
    expect(event.rawCode).toBe('5.7.1');
    expect(event.reason).toMatch(/Re-classified from "hard_bounce" to "sender_block" by Test Admin: Their gateway refuses our new IP/);
    const [audit] = await q(suite.strapi, UID.audit).findMany({ where: { action: 'reclassify-event' } });
    expect(audit).toMatchObject({ actorName: 'Test Admin', address: 'ana@college.example', reason: 'Their gateway refuses our new IP; the mailbox exists.' });
    expect(audit.before).toMatchObject({ kind: 'hard_bounce', address: { state: 'failed' } });
    expect(audit.after).toMatchObject({ kind: 'sender_block', address: { state: 'active' } });
  });

  it('a soft bounce corrected to a hard bounce fails the address', async () => {
    const { eventId } = await bounce('ben@example.org', FULL);
    expect((await ledgerRow(suite.strapi, 'email', 'ben@example.org'))?.state).toBe('soft_bouncing');
    expect((await reclassify(eventId, { kind: 'hard_bounce', reason: 'The domain was closed down.' })).status).toBe(200);
    const ledger = await ledgerRow(suite.strapi, 'email', 'ben@example.org');
    expect(ledger).toMatchObject({ state: 'failed', softBounceCount: 0 });
  });

  it('another real bounce of the address still counts: it stays failed, on that bounce', async () => {
    const wrong = await bounce('cat@example.org', MISREAD);
    await bounce('cat@example.org', DEAD);
    expect((await reclassify(wrong.eventId, { kind: 'sender_block', reason: 'Misread' })).status).toBe(200);
    const ledger = await ledgerRow(suite.strapi, 'email', 'cat@example.org');
    expect(ledger?.state).toBe('failed');
    expect(ledger?.providerCode).toBe('5.1.1');
  });

  it('bad requests answer 4xx and change nothing', async () => {
    const { eventId } = await bounce('dan@example.org', MISREAD);
    const before = await snapshot(suite.strapi);
    const cases: [unknown, number, RegExp][] = [
      [{ kind: 'sender_block' }, 400, /reason is required/],
      [{ kind: 'sender_block', reason: '   ' }, 400, /reason is required/],
      [{ kind: 'delivered', reason: 'x' }, 400, /kind must be one of/],
      [{ kind: { a: 'sender_block' }, reason: 'x' }, 400, /kind must be one of/],
      [{ kind: 'hard_bounce', reason: 'x' }, 409, /already "hard_bounce"/],
      [{ kind: 'sender_block', reason: 'x'.repeat(1001) }, 400, /too long/],
    ];
    for (const [body, status, message] of cases) {
      const response = await reclassify(eventId, body);
      expect([response.status, response.body.error?.message]).toEqual([status, expect.stringMatching(message)]);
    }
    expect((await reclassify('nosuchevent0000000000000', { kind: 'sender_block', reason: 'x' })).status).toBe(404);
    const reader = await tokenWithActions(suite.app, `Reader ${label}`, [ACTIONS.logsRead]);
    expect((await reclassify(eventId, { kind: 'sender_block', reason: 'x' }, reader)).status).toBe(403);
    expect(await snapshot(suite.strapi)).toEqual(before);
    expect(await q(suite.strapi, UID.audit).count({ where: { action: 'reclassify-event' } })).toBe(0);
  });

  it('a correction racing a new real bounce of the same address: failed either way, each write once', async () => {
    for (let round = 0; round < 3; round += 1) {
      const address = `race${round}@example.org`;
      const wrong = await bounce(address, MISREAD);
      const messageId = `race${label}${round}${Date.now()}`;
      await seedMessage(suite.strapi, { channel: 'email', address, provider: 'sendgrid', providerMessageId: messageId });
      const real: Json = [{ email: address, event: 'bounce', ...DEAD, sg_event_id: `race-${round}-${Date.now()}`, sg_message_id: `${messageId}.f`, timestamp: Math.floor(Date.now() / 1000) }];
      const [corrected, posted] = await Promise.all([
        reclassify(wrong.eventId, { kind: 'sender_block', reason: 'Misread' }),
        suite.send(signedRequest('sendgrid', real)),
      ]);
      expect([corrected.status, posted.status]).toEqual([200, 200]);
      const ledger = await ledgerRow(suite.strapi, 'email', address);
      expect(ledger).toMatchObject({ state: 'failed', providerCode: '5.1.1' });
      expect(await q(suite.strapi, UID.audit).count({ where: { action: 'reclassify-event', address } })).toBe(1);
    }
  });
});
