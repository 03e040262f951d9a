/**
 * The Twilio and Vonage REST transports against fake provider servers on 127.0.0.1: what each
 * synchronous answer means for the message and the number.
 */
import http from 'node:http';
import request from 'supertest';
import { freePort, startApp, type TestApp } from '../helpers/app';
import { twilioHeaders } from '../helpers/webhooks';

interface FakeProvider {
  port: number;
  requests: { path: string; body: string; authorization?: string }[];
  close(): Promise<void>;
}

/** A fake provider whose answer depends on the destination number's last four digits. */
async function fakeProvider(answer: (to: string) => { status: number; body: unknown }): Promise<FakeProvider> {
  const requests: FakeProvider['requests'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', body, authorization: req.headers.authorization });
      const to = req.headers['content-type']?.includes('json') ? (JSON.parse(body) as { to: string }).to : (new URLSearchParams(body).get('To') ?? '');
      // The request arrived, and then no answer ever comes, or the connection breaks.
      if (to.endsWith('0999')) return;
      if (to.endsWith('0888')) return req.socket.destroy();
      const { status, body: payload } = answer(to);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const twilioAnswer = (to: string): { status: number; body: unknown } => {
  switch (to.slice(-4)) {
    case '1211':
      return { status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } };
    case '1610':
      return { status: 400, body: { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 } };
    case '0401':
      return { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } };
    case '0500':
      return { status: 500, body: { message: 'Internal error' } };
    default:
      return { status: 201, body: { sid: `SM${to.slice(-4)}0000000000000000000000000000`, status: 'queued' } };
  }
};

const vonageAnswer = (to: string): { status: number; body: unknown } => {
  switch (to.slice(-4)) {
    case '0007':
      return { status: 200, body: { 'message-count': '1', messages: [{ status: '7', 'error-text': 'Number barred' }] } };
    case '0004':
      return { status: 200, body: { 'message-count': '1', messages: [{ status: '4', 'error-text': 'Bad credentials' }] } };
    default:
      return { status: 200, body: { 'message-count': '1', messages: [{ status: '0', 'message-id': `vonage-${to.slice(-4)}` }] } };
  }
};

type Messages = {
  send(input: unknown): Promise<{ id: string; status: string; provider: string; providerMessageId: string | null; lastError: string | null; nextAttemptAt: string | null; reason: string | null; attempts: number }>;
};
type Retrier = { tick(now?: Date): Promise<{ claimed: number; sent: number; abandoned: number }> };
const sms = (app: TestApp, to: string) =>
  (app.strapi.plugin('deliverability').service('messages') as Messages).send({ channel: 'sms', to: { address: to }, body: 'Exam moved to Friday' });
const numberState = async (app: TestApp, address: string) =>
  (await app.strapi.db.query('plugin::deliverability.address').findOne({ where: { channel: 'sms', address } }))?.state ?? 'active';

describe('Twilio', () => {
  let app: TestApp;
  let twilio: FakeProvider;

  beforeAll(async () => {
    twilio = await fakeProvider(twilioAnswer);
    app = await startApp('twilio-rest', {
      pluginConfig: {
        publicUrl: 'https://crm.college.example',
        providers: { twilio: { authToken: 'tw-token' } },
        sending: { sms: 'twilio', timeoutMs: 1000, twilio: { accountSid: 'AC123', from: '+15005550006', baseUrl: `http://127.0.0.1:${twilio.port}` } },
        retrier: { enabled: false },
      },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await twilio?.close();
  });

  it('sends with basic auth and a status callback that carries the correlation id', async () => {
    const sent = await sms(app, '+447700900001');
    expect(sent).toMatchObject({ status: 'sent', provider: 'twilio', providerMessageId: 'SM00010000000000000000000000000000' });
    const request = twilio.requests[twilio.requests.length - 1];
    expect(request.path).toBe('/2010-04-01/Accounts/AC123/Messages.json');
    expect(request.authorization).toBe(`Basic ${Buffer.from('AC123:tw-token').toString('base64')}`);
    const form = new URLSearchParams(request.body);
    expect(form.get('To')).toBe('+447700900001');
    expect(form.get('From')).toBe('+15005550006');
    expect(form.get('StatusCallback')).toBe(`https://crm.college.example/api/deliverability/webhooks/twilio?dlv=${sent.id}.1`);
  });

  it('21211 (invalid number) fails the message and the number', async () => {
    const sent = await sms(app, '+447700901211');
    expect(sent.status).toBe('failed');
    expect(sent.lastError).toMatch(/21211/);
    expect(await numberState(app, '+447700901211')).toBe('failed');
  });

  it('21610 (unsubscribed) marks the number opted out, with a consent row reported by Twilio', async () => {
    await sms(app, '+447700901610');
    expect(await numberState(app, '+447700901610')).toBe('opted_out');
    const consents = await app.strapi.db.query('plugin::deliverability.consent-entry').findMany({ where: { channel: 'sms', address: '+447700901610' } });
    expect(consents).toEqual([expect.objectContaining({ action: 'opt_out', via: 'provider_report', provider: 'twilio', words: null })]);
  });

  it('bad credentials fail the message and leave the number alone', async () => {
    const sent = await sms(app, '+447700900401');
    expect(sent.status).toBe('failed');
    expect(sent.lastError).toMatch(/Configuration error/);
    expect(await numberState(app, '+447700900401')).toBe('active');
  });

  it('a 500 from Twilio is temporary: the message is deferred for a retry', async () => {
    const sent = await sms(app, '+447700900500');
    expect(sent.status).toBe('deferred');
  });

  const retrier = () => app.strapi.plugin('deliverability').service('retrier') as Retrier;
  const handedTo = (to: string) => twilio.requests.filter((r) => new URLSearchParams(r.body).get('To') === to).length;
  const WAIT_MS = 30 * 60_000;

  it('no answer within the timeout: sent but unconfirmed, and not sent again before the wait is over', async () => {
    const before = Date.now();
    const sent = await sms(app, '+447700900999');
    expect(sent.status).toBe('sent');
    expect(sent.lastError).toMatch(/No answer after the hand-off \(TimeoutError\)/);
    expect(sent.reason).toMatch(/unconfirmed/);
    const waitEnds = Date.parse(sent.nextAttemptAt!);
    expect(waitEnds).toBeGreaterThanOrEqual(before + WAIT_MS);
    expect(waitEnds).toBeLessThanOrEqual(Date.now() + WAIT_MS);
    expect(await numberState(app, '+447700900999')).toBe('active');
    // The retrier leaves it alone while the provider may still report on it (the tick may take other
    // messages of this suite that are due by then)...
    await retrier().tick(new Date(waitEnds - 60_000));
    expect(handedTo('+447700900999')).toBe(1);
    // ...and tries again once the wait is over with no report.
    const tick = await retrier().tick(new Date(waitEnds + 1000));
    expect(tick.claimed).toBeGreaterThanOrEqual(1);
    expect(handedTo('+447700900999')).toBe(2);
  });

  it('a report during the wait confirms the hand-off: the message is never sent again', async () => {
    const sent = await sms(app, '+447700910999');
    expect(sent.status).toBe('sent');
    expect(sent.nextAttemptAt).not.toBeNull();
    const path = `/api/deliverability/webhooks/twilio?dlv=${sent.id}.1`;
    const form = new URLSearchParams({ MessageSid: 'SMconfirmed0000000000000000000001', MessageStatus: 'sent', To: '+447700910999', AccountSid: 'AC123' }).toString();
    const response = await request(app.server).post(path).set(twilioHeaders('tw-token', `https://crm.college.example${path}`, form)).send(form);
    expect(response.status).toBe(200);
    const log = await app.strapi.db.query('plugin::deliverability.delivery-log').findOne({ where: { documentId: sent.id } });
    expect(log).toMatchObject({ status: 'sent', nextAttemptAt: null });
    await retrier().tick(new Date(Date.now() + 2 * WAIT_MS));
    expect(handedTo('+447700910999')).toBe(1);
  });

  /**
   * A message whose attempt was put on record and then left, as a process that dies between the
   * begin and the record leaves it: `queued`, attempt 1 on record, a lease that has run out.
   */
  type Attempts = {
    begin(items: { id: number }[], owner: string): Promise<{ ready: unknown[] }>;
    finish(begun: unknown, owner: string): Promise<unknown>;
  };
  const attempts = () => app.strapi.plugin('deliverability').service('attempts') as Attempts;
  const logs = () => app.strapi.db.query('plugin::deliverability.delivery-log');
  async function begunBy(owner: string, to: string) {
    const row = await logs().create({
      data: {
        channel: 'sms',
        address: to,
        source: 'api',
        status: 'queued',
        attempts: 0,
        content: { body: 'Exam moved to Friday' },
        leaseOwner: owner,
        leaseExpiresAt: new Date(Date.now() + 60_000),
        publishedAt: new Date(),
      },
    });
    const begun = await attempts().begin([{ id: row.id }], owner);
    expect(begun.ready).toHaveLength(1);
    return { row, begun };
  }
  const expireLease = (id: number) => logs().update({ where: { id }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });

  it('an attempt abandoned by a process that died waits for its report, and is sent again only if none comes', async () => {
    const { row } = await begunBy('dead-host:1:aaaa:bbbb', '+447700920001');
    await expireLease(row.id);
    const before = Date.now();
    const found = await retrier().tick();
    expect(found).toMatchObject({ abandoned: 1 });
    expect(handedTo('+447700920001')).toBe(0);
    const log = await logs().findOne({ where: { id: row.id } });
    expect(log).toMatchObject({ status: 'sent', attempts: 1, leaseOwner: null });
    expect(log.statusReason).toMatch(/stopped before it recorded the answer/);
    expect(Date.parse(log.nextAttemptAt)).toBeGreaterThanOrEqual(before + WAIT_MS);
    const event = await app.strapi.db.query('plugin::deliverability.delivery-event').findOne({ where: { eventKey: `attempt:${row.documentId}:1` } });
    expect(event).toMatchObject({ rawCode: 'abandoned', reason: expect.stringMatching(/stopped before/) });
    // Within the wait, nothing; after it, with no report, attempt 2.
    await retrier().tick(new Date(Date.parse(log.nextAttemptAt) - 60_000));
    expect(handedTo('+447700920001')).toBe(0);
    await retrier().tick(new Date(Date.parse(log.nextAttemptAt) + 1000));
    expect(handedTo('+447700920001')).toBe(1);
    expect(await logs().findOne({ where: { id: row.id } })).toMatchObject({ status: 'sent', attempts: 2, nextAttemptAt: null });
  });

  it("an abandoned attempt's late report confirms it: never sent again", async () => {
    const { row } = await begunBy('dead-host:1:aaaa:cccc', '+447700920002');
    await expireLease(row.id);
    await retrier().tick();
    const path = `/api/deliverability/webhooks/twilio?dlv=${row.documentId}.1`;
    const form = new URLSearchParams({ MessageSid: 'SMlate00000000000000000000000000001', MessageStatus: 'delivered', To: '+447700920002', AccountSid: 'AC123' }).toString();
    const response = await request(app.server).post(path).set(twilioHeaders('tw-token', `https://crm.college.example${path}`, form)).send(form);
    expect(response.status).toBe(200);
    expect(await logs().findOne({ where: { id: row.id } })).toMatchObject({ status: 'delivered', nextAttemptAt: null });
    await retrier().tick(new Date(Date.now() + 2 * WAIT_MS));
    expect(handedTo('+447700920002')).toBe(0);
  });

  it('a process frozen past its lease that then hands over confirms the attempt another process found abandoned', async () => {
    const owner = 'this-host:1:aaaa:dddd';
    const { row, begun } = await begunBy(owner, '+447700920003');
    // Frozen: its lease runs out and a tick takes the message over as abandoned.
    await expireLease(row.id);
    expect(await retrier().tick()).toMatchObject({ abandoned: 1 });
    // Awake again, it hands over what it had begun, and records the answer.
    await attempts().finish(begun, owner);
    expect(handedTo('+447700920003')).toBe(1);
    expect(await logs().findOne({ where: { id: row.id } })).toMatchObject({ status: 'sent', nextAttemptAt: null, providerMessageId: 'SM00030000000000000000000000000000' });
    await retrier().tick(new Date(Date.now() + 2 * WAIT_MS));
    expect(handedTo('+447700920003')).toBe(1);
  });

  it('a connection reset after the request left is unconfirmed too', async () => {
    const reset = await sms(app, '+447700900888');
    expect(reset.status).toBe('sent');
    expect(reset.lastError).toMatch(/No answer after the hand-off/);
    expect(reset.nextAttemptAt).not.toBeNull();
  });
});

describe('Vonage', () => {
  let app: TestApp;
  let vonage: FakeProvider;

  beforeAll(async () => {
    vonage = await fakeProvider(vonageAnswer);
    app = await startApp('vonage-rest', {
      pluginConfig: {
        publicUrl: 'https://crm.college.example',
        sending: { sms: 'vonage', vonage: { apiKey: 'key', apiSecret: 'secret', from: 'College', baseUrl: `http://127.0.0.1:${vonage.port}` } },
        retrier: { enabled: false },
      },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await vonage?.close();
  });

  it('sends with the correlation id as client-ref', async () => {
    const sent = await sms(app, '+447700900002');
    expect(sent).toMatchObject({ status: 'sent', provider: 'vonage', providerMessageId: 'vonage-0002' });
    const body = JSON.parse(vonage.requests[vonage.requests.length - 1].body) as Record<string, string>;
    expect(body).toMatchObject({ to: '447700900002', from: 'College', 'client-ref': `${sent.id}.1`, api_key: 'key' });
  });

  it('a barred number fails it; bad credentials leave it alone', async () => {
    expect((await sms(app, '+447700900007')).status).toBe('failed');
    expect(await numberState(app, '+447700900007')).toBe('failed');
    expect((await sms(app, '+447700900004')).status).toBe('failed');
    expect(await numberState(app, '+447700900004')).toBe('active');
  });
});
