/**
 * Erasure while a provider's report about the same address arrives, on every database, with real
 * parallel requests: a hard bounce (a signed SendGrid webhook) for a student's message is posted
 * at the same moment as the student's erasure. Whichever commits first, the address must stay
 * suppressed afterwards (as a ledger row or as the erased hash), the student's messages must be
 * gone, and no event of the student's message may survive the erasure. A report the intake
 * answered 503 (it gave up on a deadlock, keeping nothing) is posted again, as the provider would.
 */
import request from 'supertest';
import { adminToken, freePort, listen, startApp, type TestApp } from '../helpers/app';
import { applyEvents, createContact, createLog, eventFor, UID } from '../helpers/admin';
import { everyDatabase, suiteDatabase, type SuiteDatabase } from '../helpers/each-database';
import { postWebhook, sendgridHeaders, vectors } from '../helpers/webhooks';
import { table, type Row } from '../../server/src/utils/plugin';

const STUDENTS = 12;
const SALT = 'test-erasure-race-salt-0123456789';

describe.each(everyDatabase('erasure-race.test.ts'))('on %s', (kind) => {
  let db: SuiteDatabase;
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    db = await suiteDatabase(kind, 'erasure-race');
    const port = await freePort();
    app = await startApp('erasure-race', {
      port,
      database: db.connection,
      pluginConfig: { erasure: { salt: SALT }, providers: { sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der } } },
    });
    // Listening: many requests at once through one server (supertest would bind it per request).
    await listen(app, port);
    token = await adminToken(app);
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  /** A student whose email was delivered once (an active ledger row) and who has a message out. */
  async function studentWithMessage(i: number): Promise<{ student: string; address: string; log: Row }> {
    const address = `race.${kind}.${i}@example.ac.uk`;
    const student = await createContact(app, { firstName: `Race${i}`, lastName: 'Student', email: address });
    const earlier = await createLog(app, { contact: student, address });
    await applyEvents(app, [eventFor(earlier, { kind: 'delivered' })]);
    return { student, address, log: await createLog(app, { contact: student, address }) };
  }

  function hardBounce(log: Row, address: string) {
    const body = JSON.stringify([
      {
        email: address,
        timestamp: Math.floor(Date.now() / 1000),
        event: 'bounce',
        type: 'bounce',
        reason: '550 5.1.1 No such user',
        status: '5.1.1',
        sg_event_id: `race-${log.documentId}`,
        sg_message_id: `pm-${log.documentId}.filter0001`,
        deliverability_id: log.documentId as string,
        deliverability_attempt: '1',
      },
    ]);
    return postWebhook(app, 'sendgrid', body, sendgridHeaders(body));
  }

  const erase = (student: string) =>
    request(app.server).post(`/deliverability/contacts/${student}/erase`).set('Authorization', `Bearer ${token}`);

  it('keeps the address suppressed whichever commits first, and leaves nothing of the student behind', async () => {
    const students = [];
    for (let i = 0; i < STUDENTS; i += 1) students.push(await studentWithMessage(i));
    const answers = await Promise.all(students.map(({ student, address, log }) => Promise.all([erase(student), hardBounce(log, address)])));
    for (const [i, [erased, reported]] of answers.entries()) {
      expect(erased.status).toBe(200);
      // 503 is "try again later", with nothing kept (the intake gave up on a deadlock): SendGrid
      // re-posts the batch, as this does. Any other answer is a failure.
      expect([200, 503]).toContain(reported.status);
      if (reported.status === 503) expect((await hardBounce(students[i].log, students[i].address)).status).toBe(200);
    }
    const ledger = app.strapi.plugin('deliverability').service('ledger') as {
      stateOf(channel: string, address: string): Promise<{ state: string }>;
    };
    for (const { student, address, log } of students) {
      expect({ address, state: (await ledger.stateOf('email', address)).state }).toEqual({ address, state: 'failed' });
      expect(await table(app.strapi, UID.log).count({ where: { contactDocumentId: student } })).toBe(0);
      expect(await table(app.strapi, UID.event).count({ where: { logDocumentId: log.documentId } })).toBe(0);
      expect(await table(app.strapi, UID.contact).count({ where: { documentId: student } })).toBe(0);
    }
  });
});
