/**
 * MX hosts of custom domains in the breakdown by mailbox provider: a real Strapi whose look-ups go
 * to a fake DNS server on 127.0.0.1 (tests/helpers/fake-dns.ts, real UDP). A bulk send's custom
 * domains are looked up after it is queued; the reports read the cache only. Cache hit, expiry,
 * NXDOMAIN and a timeout. On SQLite, PostgreSQL and MariaDB (the cache's upsert is new SQL).
 */
import request from 'supertest';
import { adminToken, freePort, startApp, type TestApp } from '../helpers/app';
import { UID } from '../helpers/admin';
import { everyDatabase, suiteDatabase, type SuiteDatabase } from '../helpers/each-database';
import { startFakeDns, type FakeDns } from '../helpers/fake-dns';
import { waitUntil } from '../helpers/instances';
import { sandboxConfig } from '../helpers/sandbox';
import { lookUpMx } from '../../server/src/services/mx-hosts';
import type { MailboxProviderReport, MailboxProviderRow } from '../../server/src/contract';

jest.setTimeout(180_000);

const TIMEOUT_MS = 400;
const DOMAINS = ['acme.edu', 'beta.org', 'gamma.org', 'delta.org', 'nomx.org', 'slow.org'];
const today = (): string => new Date().toISOString().slice(0, 10);

interface MxHostsService {
  refresh(addresses: readonly string[]): Promise<number>;
}

describe.each(everyDatabase('mx-hosts.test.ts'))('on %s', (kind) => {
  let db: SuiteDatabase;
  let app: TestApp;
  let dns: FakeDns;
  let admin: string;
  let sendId: string;

  beforeAll(async () => {
    dns = await startFakeDns({
      'acme.edu': [
        { exchange: 'alt1.aspmx.l.google.com', priority: 5 },
        { exchange: 'aspmx.l.google.com', priority: 1 },
      ],
      'beta.org': [{ exchange: 'beta-org.mail.protection.outlook.com', priority: 0 }],
      'gamma.org': [{ exchange: 'mx1.hostedmail.net', priority: 10 }],
      'delta.org': [{ exchange: 'MX1.HostedMail.net.', priority: 10 }],
      'nomx.org': 'nxdomain',
      'slow.org': 'silent',
    });
    db = await suiteDatabase(kind, 'mx-hosts');
    const port = await freePort();
    app = await startApp('mx-hosts', {
      port,
      database: db.connection,
      pluginConfig: sandboxConfig(port, {
        bulk: { enabled: false, campusDomains: ['college.ac.uk'] },
        mailboxProviders: { dnsServers: [dns.server], timeoutMs: TIMEOUT_MS, ttlSeconds: 3600, retryFailedSeconds: 600 },
      }),
    });
    admin = await adminToken(app);
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
    await dns?.stop();
  });

  const get = (path: string) => request(app.server).get(`/deliverability${path}`).set('Authorization', `Bearer ${admin}`);
  const mxHosts = () => app.strapi.plugin('deliverability').service('mx-hosts') as MxHostsService;
  const cache = async () =>
    new Map(
      (
        (await app.strapi.db.query(UID.mxHost as 'plugin::deliverability.mx-host').findMany({})) as {
          domain: string;
          mxHost: string | null;
          outcome: string;
          expiresAt: string;
        }[]
      ).map((r) => [r.domain, r]),
    );
  const report = async (): Promise<MailboxProviderReport> =>
    (await get(`/reports/mailbox-providers?from=${today()}&to=${today()}&tz=UTC`)).body.data;
  const rowOf = (rows: { provider: string; domain: string | null }[], provider: string, domain: string | null = null) =>
    rows.find((r) => r.provider === provider && r.domain === domain);
  const addresses = [...DOMAINS, 'gmail.com', 'college.ac.uk'].map((domain) => `student@${domain}`);

  it('looks up a bulk send`s custom domains after it is queued, and places them by MX host in both breakdowns', async () => {
    const now = new Date();
    const data = [...DOMAINS, 'gmail.com', 'college.ac.uk'].map((domain, i) => ({
      firstName: `S${i}`,
      lastName: 'Mx',
      email: `student@${domain}`,
      createdAt: now,
      updatedAt: now,
      publishedAt: now,
    }));
    await app.strapi.db.query(UID.contact as 'plugin::deliverability.contact').createMany({ data });
    const created = await request(app.server)
      .post('/deliverability/bulk-sends')
      .set('Authorization', `Bearer ${admin}`)
      .send({
        channel: 'email',
        sourceName: 'Mx',
        subject: 'Hi {{firstName}}',
        text: 'Hello.',
        recipients: { filters: { lastName: { $eq: 'Mx' } } },
      });
    expect(created.status).toBe(200);
    sendId = created.body.data.id;
    await waitUntil(async () => (await cache()).size === DOMAINS.length, 30_000, 'the MX look-ups');

    const cached = await cache();
    expect(cached.get('acme.edu')).toMatchObject({ outcome: 'found', mxHost: 'aspmx.l.google.com' });
    expect(cached.get('delta.org')).toMatchObject({ outcome: 'found', mxHost: 'mx1.hostedmail.net' });
    expect(cached.get('nomx.org')).toMatchObject({ outcome: 'none', mxHost: null });
    expect(cached.get('slow.org')).toMatchObject({ outcome: 'failed', mxHost: null });
    // The campus and a consumer domain are placed by name: never looked up.
    expect([...dns.queries.keys()].sort()).toEqual([...DOMAINS].sort());

    const { rows } = await report();
    expect(rowOf(rows, 'gmail')).toMatchObject({ viaMx: false, totals: { total: 2 } });
    expect(rowOf(rows, 'microsoft')).toMatchObject({ viaMx: false, totals: { total: 1 } });
    expect(rowOf(rows, 'other', 'mx1.hostedmail.net')).toMatchObject({ viaMx: true, totals: { total: 2 } });
    // No MX (NXDOMAIN) and a look-up that timed out: by domain, as before.
    expect(rowOf(rows, 'other', 'nomx.org')).toMatchObject({ viaMx: false, totals: { total: 1 } });
    expect(rowOf(rows, 'other', 'slow.org')).toMatchObject({ viaMx: false, totals: { total: 1 } });
    expect(rowOf(rows, 'campus')).toMatchObject({ totals: { total: 1 } });
    expect(rows.reduce((n, r) => n + r.totals.total, 0)).toBe(8);

    const perSend = (await get(`/bulk-sends/${sendId}/mailbox-providers`)).body.data as MailboxProviderRow[];
    expect(rowOf(perSend, 'gmail')).toMatchObject({ viaMx: false, counts: { queued: 2 } });
    expect(rowOf(perSend, 'other', 'mx1.hostedmail.net')).toMatchObject({ viaMx: true, counts: { queued: 2 } });
  });

  it('answers from the cache while the answers are fresh: no second query', async () => {
    const before = new Map(dns.queries);
    expect(await mxHosts().refresh(addresses)).toBe(0);
    expect(dns.queries).toEqual(before);
  });

  it('looks a domain up again once its answer has expired, and the breakdown follows the new MX host', async () => {
    await app.strapi.db
      .query(UID.mxHost as 'plugin::deliverability.mx-host')
      .updateMany({ where: { domain: 'acme.edu' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    dns.answers.set('acme.edu', [{ exchange: 'acme-edu.mail.protection.outlook.com', priority: 0 }]);
    expect(await mxHosts().refresh(addresses)).toBe(1);
    expect(dns.queries.get('acme.edu')).toBe(2);
    expect((await cache()).get('acme.edu')).toMatchObject({ outcome: 'found', mxHost: 'acme-edu.mail.protection.outlook.com' });
    const expires = Date.parse((await cache()).get('acme.edu')!.expiresAt);
    expect(expires).toBeGreaterThan(Date.now() + 3500_000);
    const { rows } = await report();
    expect(rowOf(rows, 'gmail')).toMatchObject({ totals: { total: 1 } });
    expect(rowOf(rows, 'microsoft')).toMatchObject({ totals: { total: 2 } });
  });

  it('gives up on a silent server after the timeout, and tries a failed domain again sooner than a found one', async () => {
    const started = Date.now();
    expect(await lookUpMx('slow.org', { dnsServers: [dns.server], timeoutMs: TIMEOUT_MS })).toEqual({ outcome: 'failed' });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(took).toBeLessThan(TIMEOUT_MS + 2000);
    const failed = Date.parse((await cache()).get('slow.org')!.expiresAt);
    // retryFailedSeconds (600) rather than ttlSeconds (3600).
    expect(failed).toBeLessThan(Date.now() + 601_000);
    expect(await lookUpMx('nomx.org', { dnsServers: [dns.server], timeoutMs: TIMEOUT_MS })).toEqual({ outcome: 'none' });
  });
});
