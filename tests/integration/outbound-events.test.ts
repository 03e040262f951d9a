/**
 * The plugin's events in Strapi's own webhooks (Settings → Webhooks): a webhook configured for them
 * through Strapi's admin API is called, over real HTTP on 127.0.0.1, with the documented payload
 * when an address is suppressed, a message fails, and an editor reactivates the address.
 */
import http from 'node:http';
import request from 'supertest';
import { adminToken, freePort, startApp, type TestApp } from '../helpers/app';
import { postWebhook, seedMessage, sendgridHeaders, UID, vectors } from '../helpers/webhooks';
import { waitUntil } from '../helpers/instances';

const EVENTS = ['deliverability.address.suppressed', 'deliverability.address.reactivated', 'deliverability.message.failed'];

let app: TestApp;
let jwt: string;
let receiver: http.Server;
const received: { event: string; body: Record<string, unknown>; headers: http.IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  const port = await freePort();
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      received.push({ event: parsed.event as string, body: parsed, headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  app = await startApp('outbound-events', { pluginConfig: { providers: { sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der } } } });
  jwt = await adminToken(app);
  const created = await request(app.server)
    .post('/admin/webhooks')
    .set('Authorization', `Bearer ${jwt}`)
    .send({ name: 'Student records', url: `http://127.0.0.1:${port}/hooks`, headers: { 'X-College': 'north' }, events: EVENTS });
  expect(`${created.status} ${JSON.stringify(created.body)}`).toMatch(/^201/);
});

afterAll(async () => {
  await app?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

it('offers the three events to Strapi webhooks, and refuses none of them', async () => {
  const store = app.strapi.get('webhookStore') as { listAllowedEvents(): string[] };
  expect(store.listAllowedEvents()).toEqual(
    expect.arrayContaining(['DELIVERABILITY_ADDRESS_SUPPRESSED', 'DELIVERABILITY_ADDRESS_REACTIVATED', 'DELIVERABILITY_MESSAGE_FAILED']),
  );
});

it('a hard bounce announces the suppressed address and the failed message; a reactivation announces itself', async () => {
  const { log, contactId } = await seedMessage(app.strapi, { channel: 'email', address: 'leah@example.ac.uk', provider: 'sendgrid', providerMessageId: 'sgOutbound1' });
  const body = JSON.stringify([
    { email: 'leah@example.ac.uk', timestamp: Math.floor(Date.now() / 1000), event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 No such user', sg_event_id: 'outbound-1', sg_message_id: 'sgOutbound1.filter' },
  ]);
  expect((await postWebhook(app, 'sendgrid', body, sendgridHeaders(body))).status).toBe(200);
  await waitUntil(async () => received.length >= 2, 10_000, 'two webhook calls');

  const suppressed = received.find((r) => r.event === 'deliverability.address.suppressed');
  expect(suppressed?.headers['x-college']).toBe('north');
  expect(suppressed?.body).toMatchObject({
    channel: 'email',
    address: 'leah@example.ac.uk',
    state: 'failed',
    reason: expect.stringMatching(/hard bounce/i),
    contacts: [{ type: UID.contact, documentId: contactId }],
  });
  const failed = received.find((r) => r.event === 'deliverability.message.failed');
  expect(failed?.body).toMatchObject({
    channel: 'email',
    address: 'leah@example.ac.uk',
    message: { id: log.documentId, status: 'bounced', source: 'api', lastError: expect.stringMatching(/5\.1\.1/) },
  });

  const reactivated = await request(app.server)
    .post('/deliverability/addresses/reactivate')
    .set('Authorization', `Bearer ${jwt}`)
    .send({ channel: 'email', address: 'leah@example.ac.uk', reason: 'The student fixed the typo in their mailbox.' });
  expect(reactivated.status).toBe(200);
  await waitUntil(async () => received.some((r) => r.event === 'deliverability.address.reactivated'), 10_000, 'the reactivation call');
  expect(received.find((r) => r.event === 'deliverability.address.reactivated')?.body).toMatchObject({
    channel: 'email',
    address: 'leah@example.ac.uk',
    state: 'active',
    reason: expect.stringContaining('The student fixed the typo'),
    contacts: [{ type: UID.contact, documentId: contactId }],
  });
});

it('a repeated report announces nothing again', async () => {
  const before = received.length;
  const body = JSON.stringify([
    { email: 'leah@example.ac.uk', timestamp: Math.floor(Date.now() / 1000) - 3600, event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 No such user', sg_event_id: 'outbound-1', sg_message_id: 'sgOutbound1.filter' },
  ]);
  expect((await postWebhook(app, 'sendgrid', body, sendgridHeaders(body))).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(received.length).toBe(before);
});

it('a message dropped because its address is suppressed announces itself as failed', async () => {
  const body = JSON.stringify([
    { email: 'omar@example.ac.uk', timestamp: Math.floor(Date.now() / 1000), event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 No such user', sg_event_id: 'outbound-2' },
  ]);
  expect((await postWebhook(app, 'sendgrid', body, sendgridHeaders(body))).status).toBe(200);
  const messages = app.strapi.plugin('deliverability').service('messages') as { send(input: unknown): Promise<{ id: string; status: string }> };
  const sent = await messages.send({ channel: 'email', to: { address: 'omar@example.ac.uk' }, subject: 'Timetable', text: 'Room 4', source: 'touchpoint', sourceName: 'Week 2' });
  expect(sent.status).toBe('dropped');
  await waitUntil(async () => received.some((r) => r.event === 'deliverability.message.failed' && (r.body.message as { id: string }).id === sent.id), 10_000, 'the drop');
  expect(received.find((r) => (r.body.message as { id?: string } | undefined)?.id === sent.id)?.body).toMatchObject({
    channel: 'email',
    address: 'omar@example.ac.uk',
    message: { status: 'dropped', source: 'touchpoint', sourceName: 'Week 2', reason: expect.stringMatching(/^Not sent: the address is failed/) },
    contact: null,
  });
});
