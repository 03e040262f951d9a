/**
 * The worklist's daily digest (`worklistDigest.to`), on every database: the students who joined
 * the worklist in the last day and the count of all, emailed once a day through the plugin's own
 * sending path (the sandbox here). Parallel runs, as two instances' crons firing together, send
 * one digest; a run whose owner died before sending is taken over; the next day sends again.
 */
import { applyEvents, createContact, eventFor, UID } from '../helpers/admin';
import { freePort, listen, startApp, type TestApp } from '../helpers/app';
import { everyDatabase, suiteDatabase, type SuiteDatabase } from '../helpers/each-database';
import { sandboxConfig } from '../helpers/sandbox';
import { table } from '../../server/src/utils/plugin';
import type { DigestRun } from '../../server/src/services/worklist-digest';
import type { SandboxTransport } from '../../server/src/transports/sandbox';

const ADVISORS = 'advisors@example.ac.uk';
const DAY = 24 * 3_600_000;

describe.each(everyDatabase('worklist-digest.test.ts'))('on %s', (kind) => {
  let db: SuiteDatabase;
  let app: TestApp;

  beforeAll(async () => {
    const port = await freePort();
    db = await suiteDatabase(kind, 'worklist-digest');
    app = await startApp('worklist-digest', {
      port,
      database: db.connection,
      pluginConfig: sandboxConfig(port, { worklistDigest: { to: ADVISORS } }),
    });
    await listen(app, port);
    const old = await createContact(app, { firstName: 'Olga', lastName: 'Ivanova', email: 'olga@example.ac.uk' });
    await createContact(app, { firstName: 'Noah', lastName: 'Kim', email: 'noah@example.ac.uk', externalId: 'S-202' });
    await createContact(app, { firstName: 'Rita', lastName: 'Silva', email: 'rita@example.ac.uk', mobile: '+447700900901' });
    await applyEvents(app, [
      eventFor(null, { address: 'olga@example.ac.uk', kind: 'hard_bounce', severity: 'permanent' }),
      eventFor(null, { address: 'noah@example.ac.uk', kind: 'hard_bounce', severity: 'permanent' }),
      // Rita's mobile still works: she is not on the worklist.
      eventFor(null, { address: 'rita@example.ac.uk', kind: 'hard_bounce', severity: 'permanent' }),
    ]);
    // Olga's failure is three days old: on the worklist, but not new.
    await table(app.strapi, UID.contact).update({ where: { documentId: old }, data: { emailStatusAt: new Date(Date.now() - 3 * DAY) } });
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  const digest = () => app.strapi.plugin('deliverability').service('worklist-digest') as { runOnce(now?: number): Promise<DigestRun> };
  const digestsSent = () =>
    (app.strapi.plugin('deliverability').service('transports') as { for(c: string): SandboxTransport })
      .for('email')
      .received.filter((m) => m.to === ADVISORS);

  it('sends one digest when several runs claim the same day at once', async () => {
    const now = Date.now();
    const runs = await Promise.all(Array.from({ length: 6 }, () => digest().runOnce(now)));
    const sent = runs.filter((r) => r.sent);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ newEntries: 1, total: 2 });
    expect(runs.filter((r) => !r.sent).map((r) => (r.sent ? null : r.why))).toEqual(Array(5).fill('claimed'));
    const messages = digestsSent();
    expect(messages).toHaveLength(1);
    const content = messages[0].content as { subject: string; text: string };
    expect(content.subject).toBe('Students who cannot be reached: 1 new today, 2 in all');
    expect(content.text).toContain('- Noah Kim (S-202): email failed');
    expect(content.text).not.toContain('Olga');
    expect(content.text).not.toContain('@example.ac.uk');
    const log = await table(app.strapi, UID.log).findOne({ where: { documentId: messages[0].logDocumentId } });
    expect(log).toMatchObject({ sourceName: 'Worklist digest', address: ADVISORS });
  });

  it('does not send the same day again, and sends the next day', async () => {
    expect(await digest().runOnce()).toMatchObject({ sent: false, why: 'claimed' });
    const tomorrow = await digest().runOnce(Date.now() + DAY);
    expect(tomorrow).toMatchObject({ sent: true, newEntries: 0, total: 2 });
    expect(digestsSent()).toHaveLength(2);
  });

  it('takes over a day whose run died before sending, once its lease ran out', async () => {
    const later = Date.now() + 5 * DAY;
    const day = new Date(later).toISOString().slice(0, 10);
    await table(app.strapi, UID.worklistDigest).create({ data: { day, leaseOwner: 'crashed', leaseExpiresAt: new Date(later - 1000) } });
    expect(await digest().runOnce(later)).toMatchObject({ sent: true, day });
    expect(await table(app.strapi, UID.worklistDigest).count({ where: { day } })).toBe(1);
  });
});
