/**
 * What providers really do to a webhook endpoint: send the same batch again (SendGrid about three
 * times on average), send events out of order and split across requests, and hit it while the
 * database fails. Also the answers that do not depend on a provider: unknown provider (404) and a
 * body too large even when it arrives without a Content-Length (413).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Core } from '@strapi/strapi';
import {
  contactRow,
  eventRows,
  ledgerRow,
  logRow,
  meaning,
  postWebhook,
  resetData,
  seedContact,
  seedMessage,
  sendgridHeaders,
  snapshot,
  UID,
  vectors,
  WEBHOOKS,
  type JsonObject,
} from '../helpers/webhooks';
import { signedRequest, webhookSuite } from '../helpers/webhook-suite';
import type { Row } from '../../server/src/utils/plugin';
import type { AddressState, MessageStatus } from '../../server/src/core/statuses';

const MAX_BODY = 64 * 1024;
const T0 = 1_760_000_000;

const suite = webhookSuite('webhooks-reliability', {
  pluginConfig: { providers: { sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der } }, webhooks: { maxBodyBytes: MAX_BODY } },
});

// ---------------------------------------------------------------------------------------------
// One SendGrid batch: several messages, each with a realistic history.

interface Message {
  id: string;
  address: string;
  /** null: mail that is not ours (no DeliveryLog). */
  logged: boolean;
  status: MessageStatus;
  ledger: AddressState | null;
}

const MESSAGES: Message[] = [
  { id: 'msgA', address: 'ana@example.com', logged: true, status: 'delivered', ledger: 'active' },
  { id: 'msgB', address: 'ghost@example.org', logged: true, status: 'bounced', ledger: 'failed' },
  { id: 'msgC', address: 'full@example.com', logged: true, status: 'deferred', ledger: 'soft_bouncing' },
  { id: 'msgD', address: 'spam@example.com', logged: true, status: 'complained', ledger: 'complained' },
  { id: 'msgE', address: 'dropped@example.com', logged: true, status: 'dropped', ledger: 'failed' },
  { id: 'msgF', address: 'late@example.com', logged: true, status: 'bounced', ledger: 'failed' },
  { id: 'msgG', address: 'other-system@example.com', logged: false, status: 'sent', ledger: 'unsubscribed' },
];

let eventCounter = 0;
function sg(message: string, email: string, event: string, offsetSeconds: number, extra: JsonObject = {}): JsonObject {
  eventCounter += 1;
  return {
    email,
    timestamp: T0 + offsetSeconds,
    'smtp-id': `<${message}@ismtpd.sendgrid.net>`,
    event,
    sg_event_id: `evt-${message}-${event}-${offsetSeconds}-${eventCounter}`,
    sg_message_id: `${message}.filterdrecv-1-2-3`,
    ...extra,
  };
}

const BATCH: JsonObject[] = [
  sg('msgA', 'ana@example.com', 'processed', 0),
  sg('msgA', 'ana@example.com', 'deferred', 60, { response: '451 4.7.650 rate limited', attempt: '1' }),
  sg('msgA', 'ana@example.com', 'delivered', 120, { response: '250 2.0.0 OK' }),
  sg('msgA', 'ana@example.com', 'open', 500),
  sg('msgB', 'ghost@example.org', 'processed', 1),
  sg('msgB', 'ghost@example.org', 'bounce', 61, { type: 'bounce', status: '5.1.1', reason: '550 5.1.1 no such user' }),
  sg('msgC', 'full@example.com', 'processed', 2),
  sg('msgC', 'full@example.com', 'deferred', 32, { response: '452 4.2.2 mailbox full', attempt: '1' }),
  sg('msgC', 'full@example.com', 'bounce', 92, { type: 'blocked', status: '4.2.2', reason: '452 4.2.2 mailbox full' }),
  sg('msgD', 'spam@example.com', 'processed', 3),
  sg('msgD', 'spam@example.com', 'delivered', 63, { response: '250 2.0.0 OK' }),
  sg('msgD', 'spam@example.com', 'spamreport', 3603),
  sg('msgE', 'dropped@example.com', 'dropped', 4, { reason: 'Bounced Address', status: '5.0.0' }),
  sg('msgF', 'late@example.com', 'processed', 5),
  sg('msgF', 'late@example.com', 'delivered', 65, { response: '250 2.0.0 OK' }),
  sg('msgF', 'late@example.com', 'bounce', 86_405, { type: 'bounce', status: '5.1.1', reason: '550 5.1.1 mailbox deleted' }),
  sg('msgG', 'other-system@example.com', 'unsubscribe', 6),
];

const seeded = new Map<string, { log: Row | null; contactId: string }>();

async function seedBatch(): Promise<void> {
  seeded.clear();
  for (const message of MESSAGES) {
    if (message.logged) {
      const { log, contactId } = await seedMessage(suite.strapi, { channel: 'email', address: message.address, provider: 'sendgrid', providerMessageId: message.id });
      seeded.set(message.id, { log, contactId });
    } else {
      seeded.set(message.id, { log: null, contactId: await seedContact(suite.strapi, 'email', message.address) });
    }
  }
}

const postEvents = (events: JsonObject[]) => suite.send(signedRequest('sendgrid', events));

/** The batch's full effect: every message, address and contact where the seed says it must be. */
async function expectBatchApplied(): Promise<void> {
  for (const message of MESSAGES) {
    const { log, contactId } = seeded.get(message.id)!;
    if (log) expect([message.id, (await logRow(suite.strapi, log.documentId)).status]).toEqual([message.id, message.status]);
    expect([message.address, (await ledgerRow(suite.strapi, 'email', message.address))?.state]).toEqual([message.address, message.ledger]);
    expect([message.address, (await contactRow(suite.strapi, contactId)).emailStatus]).toEqual([message.address, message.ledger ?? 'active']);
  }
  expect(await eventRows(suite.strapi)).toHaveLength(BATCH.length);
  const late = await logRow(suite.strapi, seeded.get('msgF')!.log!.documentId);
  expect(late.lastError).toMatch(/5\.1\.1 .*mailbox deleted/);
  const deferred = await logRow(suite.strapi, seeded.get('msgC')!.log!.documentId);
  expect(deferred.nextAttemptAt).not.toBeNull();
  const unmatched = await eventRows(suite.strapi, { outcome: 'unmatched' });
  expect(unmatched.map((e) => e.address)).toEqual(['other-system@example.com']);
}

/** Runs `send` on a freshly seeded database and returns what it means. */
async function outcomeOf(send: () => Promise<void>) {
  await resetData(suite.strapi);
  await seedBatch();
  await send();
  return meaning(suite.strapi);
}

/** Each event's outcome and explanation (processing times left out). */
async function decisions() {
  const rows = await suite.strapi.db.query(UID.event).findMany({ orderBy: { eventKey: 'asc' } });
  return (rows as Row[]).map((row) => [row.eventKey, row.outcome, String(row.reason).replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, '<time>')]);
}

const expectOk = (response: { status: number; body: unknown }) => expect([response.status, response.body]).toEqual([200, expect.objectContaining({ ok: true })]);

describe('repeated batches', () => {
  it('the batch once gives the full effect', async () => {
    await seedBatch();
    const response = await postEvents(BATCH);
    expectOk(response);
    expect(response.body).toMatchObject({ received: BATCH.length, duplicates: 0, ignored: 1, unmatched: 1 });
    await expectBatchApplied();
  });

  it('the same signed batch three times gives exactly the state of once: the repeats write nothing', async () => {
    await seedBatch();
    const body = JSON.stringify(BATCH);
    const headers = sendgridHeaders(body);
    expectOk(await postWebhook(suite.app, 'sendgrid', body, headers));
    const once = await snapshot(suite.strapi);
    for (let i = 0; i < 2; i++) {
      const again = await postWebhook(suite.app, 'sendgrid', body, headers);
      expectOk(again);
      expect(again.body).toMatchObject({ received: BATCH.length, duplicates: BATCH.length, applied: 0 });
    }
    expect(await snapshot(suite.strapi)).toEqual(once);
  });

  it('the same batch three times at once gives the state of once', async () => {
    const once = await outcomeOf(async () => expectOk(await postEvents(BATCH)));
    const thrice = await outcomeOf(async () => {
      const body = JSON.stringify(BATCH);
      const responses = await Promise.all([0, 1, 2].map(() => postWebhook(suite.app, 'sendgrid', body, sendgridHeaders(body))));
      responses.forEach(expectOk);
    });
    expect(thrice).toEqual(once);
  });
});

describe('order', () => {
  it('the same events in another order (a new, signed body) give the same state as in order', async () => {
    const inOrder = await outcomeOf(async () => expectOk(await postEvents(BATCH)));
    const inOrderDecisions = await decisions();
    const reversed = await outcomeOf(async () => expectOk(await postEvents([...BATCH].reverse())));
    // Within one request the events are decided in the order they happened, so even each explanation is the same.
    expect(await decisions()).toEqual(inOrderDecisions);
    const interleaved = await outcomeOf(async () => expectOk(await postEvents([...BATCH.filter((_, i) => i % 2 === 1), ...BATCH.filter((_, i) => i % 2 === 0)])));
    expect(await decisions()).toEqual(inOrderDecisions);
    expect(reversed).toEqual(inOrder);
    expect(interleaved).toEqual(inOrder);
  });

  it('the same events of one request, arriving as two requests in reverse order, give the same state', async () => {
    const inOrder = await outcomeOf(async () => expectOk(await postEvents(BATCH)));
    // Most messages have events in both requests, and the second request arrives first.
    const first = BATCH.filter((_, i) => i % 2 === 0);
    const second = BATCH.filter((_, i) => i % 2 === 1);
    const split = await outcomeOf(async () => {
      expectOk(await postEvents(second.reverse()));
      expectOk(await postEvents(first.reverse()));
    });
    expect(split).toEqual(inOrder);
  });

  it('every event in its own request, last first, gives the same state', async () => {
    const inOrder = await outcomeOf(async () => expectOk(await postEvents(BATCH)));
    const oneByOne = await outcomeOf(async () => {
      for (const event of [...BATCH].reverse()) expectOk(await postEvents([event]));
    });
    expect(oneByOne).toEqual(inOrder);
  });
});

// ---------------------------------------------------------------------------------------------
// The database failing in the middle of a batch.

type QueryFn = Core.Strapi['db']['query'];

const WRITES = ['create', 'createMany', 'update', 'updateMany', 'delete', 'deleteMany'];

/**
 * Makes the given write methods of one content type's queries throw, until `heal` is called.
 * `writes` lists every write the plugin attempted meanwhile, in order, to show where the fault hit:
 * Query Engine calls as `<uid>.<method>`, and every UPDATE and INSERT statement as `sql:update <table>`,
 * `sql:insert into <table>` (the intake writes a batch's event rows and message statuses in a few
 * statements, past the Query Engine).
 */
function injectFault(strapi: Core.Strapi, uid: string, methods: string[]): { heal(): void; writes: string[] } {
  const db = strapi.db;
  const original: QueryFn = db.query;
  const writes: string[] = [];
  const faulty = (name: Parameters<QueryFn>[0]) => {
    const query = original.call(db, name);
    return new Proxy(query, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof prop !== 'string' || !WRITES.includes(prop) || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          writes.push(`${name}.${prop}`);
          if (name === uid && methods.includes(prop)) throw new Error(`injected fault: the database went away during ${uid}.${prop}`);
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
  };
  db.query = faulty as QueryFn;
  const onQuery = (query: { sql?: string }) => {
    const write = /^(update|insert into)\s+["`]?(\w+)["`]?/i.exec(query.sql ?? '');
    if (write) writes.push(`sql:${write[1].toLowerCase()} ${write[2]}`);
  };
  db.connection.on('query', onQuery);
  return {
    writes,
    heal() {
      db.query = original;
      db.connection.off('query', onQuery);
    },
  };
}

describe('a database failure in the middle of a batch', () => {
  it.each([
    ['the address ledger', UID.address, ['create', 'createMany', 'update', 'updateMany']],
    ['the contact status mirror', UID.contact, ['update', 'updateMany']],
  ])('while writing %s: 503, nothing committed; the provider\'s retry then applies it all', async (_, uid, methods) => {
    await seedBatch();
    const body = JSON.stringify(BATCH);
    const before = await snapshot(suite.strapi);

    const fault = injectFault(suite.strapi, uid, methods);
    suite.strapi.log.silent = true;
    let failed;
    try {
      failed = await postWebhook(suite.app, 'sendgrid', body, sendgridHeaders(body));
    } finally {
      fault.heal();
      suite.strapi.log.silent = false;
    }
    // The fault hit after the event rows and the message statuses had been written in the transaction.
    expect(fault.writes).toEqual(expect.arrayContaining(['sql:insert into deliverability_events', 'sql:update deliverability_logs']));
    expect(fault.writes.indexOf('sql:update deliverability_logs')).toBeLessThan(fault.writes.findIndex((w) => w.startsWith(`${uid}.`)));
    expect(fault.writes.indexOf('sql:insert into deliverability_events')).toBeLessThan(fault.writes.findIndex((w) => w.startsWith(`${uid}.`)));
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({ ok: false, error: 'The events could not be stored; nothing was recorded. Please retry.' });
    // No event rows, no log changes, no ledger rows, no contact changes: the transaction rolled back.
    expect(await snapshot(suite.strapi)).toEqual(before);

    const retried = await postWebhook(suite.app, 'sendgrid', body, sendgridHeaders(body));
    expectOk(retried);
    expect(retried.body).toMatchObject({ received: BATCH.length, duplicates: 0 });
    await expectBatchApplied();
  });
});

// ---------------------------------------------------------------------------------------------
// Answers that do not depend on a provider.

describe('requests no provider module handles', () => {
  it.each(['brevo', 'nonexistent', 'constructor'])('POST /webhooks/%s: 404 naming the known providers, nothing written', async (name) => {
    await seedBatch();
    const before = await snapshot(suite.strapi);
    const body = JSON.stringify(BATCH);
    const response = await postWebhook(suite.app, name, body, sendgridHeaders(body));
    expect(response.status).toBe(404);
    expect(response.body.error).toBe(`Unknown provider "${name}". Known: sendgrid, mailgun, postmark, ses, twilio, vonage.`);
    expect(await snapshot(suite.strapi)).toEqual(before);
  });
});

describe('body size', () => {
  async function postChunked(chunks: Buffer[]): Promise<{ status: number; body: string }> {
    if (!suite.app.server.listening) await new Promise<void>((resolve) => suite.app.server.listen(0, '127.0.0.1', resolve));
    const { port } = suite.app.server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: `${WEBHOOKS}/sendgrid`, headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      const write = (i: number): void => {
        if (i === chunks.length) {
          req.end();
          return;
        }
        req.write(chunks[i], () => setImmediate(() => write(i + 1)));
      };
      write(0);
    });
  }

  it('a body streamed without Content-Length is cut off at webhooks.maxBodyBytes: 413, nothing written', async () => {
    await seedBatch();
    const before = await snapshot(suite.strapi);
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(8 * 1024, 'x'));
    const response = await postChunked(chunks);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({ ok: false, error: `The request body is larger than the ${MAX_BODY} bytes accepted.` });
    expect(await snapshot(suite.strapi)).toEqual(before);
  });

  it('a body of exactly webhooks.maxBodyBytes is read (and here refused only for its signature)', async () => {
    const body = Buffer.alloc(MAX_BODY, ' ');
    const response = await postChunked([body]);
    expect(response.status).toBe(401);
  });
});
