/**
 * One-click unsubscribe reads an address's state and then writes it (through the intake): raced
 * with real parallel requests on PostgreSQL and MariaDB, where transactions run at once. The same
 * link posted many times at once (a mail client's retries, a double click), and two messages'
 * links to one address at once, end with one event per message and the address unsubscribed.
 */
import request from 'supertest';
import { createServerDatabase, serverKinds, type ServerDatabase } from '../helpers/databases';
import {
  bulkSendTo,
  createCohort,
  ledgerStateOf,
  ONE_CLICK,
  startUnsubscribeApp,
  unsubscribeEventsOf,
  unsubscribePathOf,
  type UnsubscribeApp,
} from '../helpers/unsubscribe';
import { UID } from '../helpers/admin';

jest.setTimeout(180_000);

const kinds = serverKinds('unsubscribe-race.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as const]);

describeEach('one-click unsubscribes at once on %s', (kind) => {
  let server: ServerDatabase | null = null;
  let app: UnsubscribeApp;
  let origin: string;
  const today = new Date().toISOString().slice(0, 10);

  /** Each message of a bulk send to `cohort`: its address, its log and its link. */
  async function linksOf(sendId: string): Promise<{ address: string; logDocumentId: string; link: string }[]> {
    const logs = await app.strapi.db.query(UID.log as 'plugin::deliverability.delivery-log').findMany({ where: { bulkSendId: sendId }, select: ['documentId'] });
    const ids = new Set(logs.map((l: { documentId: string }) => l.documentId));
    return app
      .handedOver()
      .filter((m) => ids.has(m.logDocumentId))
      .map((m) => ({ address: m.to, logDocumentId: m.logDocumentId, link: unsubscribePathOf(m.headers, origin) }));
  }
  const postAll = (links: string[]) => Promise.all(links.map((link) => request(app.server).post(link).type('form').send(ONE_CLICK)));

  beforeAll(async () => {
    server = await createServerDatabase(kind as 'postgres' | 'mysql', 'unsubscribe_race');
    app = await startUnsubscribeApp(`unsubscribe-race-${kind}`, { database: server.strapiConnection });
    origin = `http://127.0.0.1:${app.port}`;
    await createCohort(app, 'Race', 3);
  });

  afterAll(async () => {
    await app?.stop();
    await server?.drop();
  });

  it('one link posted eight times at once: all answered 200, one event, the address unsubscribed', async () => {
    const [first] = await linksOf(await bulkSendTo(app, 'Race'));
    await app.flush();
    const answers = await postAll(Array.from({ length: 8 }, () => first.link));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    const events = await unsubscribeEventsOf(app, first.logDocumentId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'applied', provider: 'one-click' });
    expect(await ledgerStateOf(app, first.address)).toBe('unsubscribed');
  });

  it("two messages' links to one address, four posts each at once: one event per message, one change of the address", async () => {
    const firstSend = await linksOf(await bulkSendTo(app, 'Race'));
    const secondSend = await linksOf(await bulkSendTo(app, 'Race'));
    await app.flush();
    const address = 'race.2@example.ac.uk';
    const [a, b] = [firstSend, secondSend].map((links) => links.find((l) => l.address === address)!);
    expect(a.logDocumentId).not.toBe(b.logDocumentId);
    const answers = await postAll([a.link, b.link, a.link, b.link, a.link, b.link, a.link, b.link]);
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    const events = [...(await unsubscribeEventsOf(app, a.logDocumentId)), ...(await unsubscribeEventsOf(app, b.logDocumentId))];
    expect(events).toHaveLength(2);
    // Whichever came first changed the address; the other found it already unsubscribed.
    expect(events.map((e) => e.outcome).sort()).toEqual(['applied', 'no_change']);
    expect(await ledgerStateOf(app, address)).toBe('unsubscribed');
    const ledgerRows = await app.strapi.db.query(UID.address as 'plugin::deliverability.address').count({ where: { channel: 'email', address } });
    expect(ledgerRows).toBe(1);
  });

  it('the report counts each address once, per bulk send, on this database', async () => {
    const reports = app.strapi.plugin('deliverability').service('reports') as { unsubscribes(q: { from: string; to: string }): Promise<{ total: number; oneClick: number; byBulkSend: unknown[] }> };
    const report = await reports.unsubscribes({ from: today, to: today });
    expect(report).toMatchObject({ total: 2, oneClick: 2 });
    expect(report.byBulkSend).toHaveLength(2);
  });
});
