/**
 * One-click unsubscribe suites: a Strapi whose email goes through the sandbox (reporting back over
 * real, signed webhooks) with an unsubscribe secret, and a bulk send whose messages' headers the
 * sandbox kept.
 */
import request from 'supertest';
import { apiToken, freePort, listen, startApp, type TestApp, type TestAppOptions } from './app';
import { UID } from './admin';
import { waitUntil } from './instances';
import { sandboxConfig } from './sandbox';

export const UNSUBSCRIBE_SECRET = 'test-unsubscribe-secret-0123456789abcdef';
export const ONE_CLICK = 'List-Unsubscribe=One-Click';

export interface HandedOver {
  to: string;
  logDocumentId: string;
  headers?: Record<string, string>;
}

export interface UnsubscribeApp extends TestApp {
  port: number;
  token: string;
  /** Every email the sandbox was handed, with its headers. */
  handedOver(): HandedOver[];
  /** Resolves once the sandbox's delivery reports have all been posted back. */
  flush(): Promise<void>;
}

export async function startUnsubscribeApp(name: string, options: TestAppOptions = {}, unsubscribe: Record<string, unknown> = {}): Promise<UnsubscribeApp> {
  const port = await freePort();
  const app = await startApp(name, {
    ...options,
    pluginConfig: sandboxConfig(port, {
      bulk: { pollMs: 100, ratePerSecond: 100 },
      unsubscribe: { secret: UNSUBSCRIBE_SECRET, ...unsubscribe },
      // Every request here comes from 127.0.0.1, standing for many students: the per-IP limit is tested in rate-limits*.test.ts.
      rateLimits: { unsubscribePerIp: { limit: 10_000, windowSeconds: 60 } },
    }),
    port,
  });
  await listen(app, port);
  const sandbox = (app.strapi.plugin('deliverability').service('transports') as { sandbox(c: string): { received: HandedOver[]; flush(): Promise<void> } }).sandbox('email');
  return { ...app, port, token: await apiToken(app), handedOver: () => sandbox.received, flush: () => sandbox.flush() };
}

/** Contacts named `<cohort>.<i>@example.ac.uk`, all with the last name `cohort`. */
export async function createCohort(app: TestApp, cohort: string, count: number): Promise<string[]> {
  const now = new Date();
  const rows = Array.from({ length: count }, (_, i) => ({ firstName: `S${i}`, lastName: cohort, email: `${cohort.toLowerCase()}.${i}@example.ac.uk`, createdAt: now, updatedAt: now, publishedAt: now }));
  await app.strapi.db.query(UID.contact as 'plugin::deliverability.contact').createMany({ data: rows });
  return rows.map((r) => r.email);
}

/** A bulk send to the cohort, run to the end; returns its id. */
export async function bulkSendTo(app: UnsubscribeApp, cohort: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await request(app.server)
    .post('/api/deliverability/bulk-sends')
    .set('Authorization', `Bearer ${app.token}`)
    .send({ channel: 'email', subject: 'Welcome, {{firstName}}', text: 'Term starts on Monday.', sourceName: `Welcome ${cohort}`, recipients: { filters: { lastName: { $eq: cohort } } }, ...extra });
  if (created.status !== 201) throw new Error(`bulk send refused: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.data.id as string;
  await waitUntil(
    async () => (await request(app.server).get(`/api/deliverability/bulk-sends/${id}`).set('Authorization', `Bearer ${app.token}`)).body.data.status === 'done',
    60_000,
    'the bulk send to finish',
  );
  return id;
}

/** The https link of a List-Unsubscribe header (the first `<…>`), as a path on the test server. */
export function unsubscribePathOf(headers: Record<string, string> | undefined, origin: string): string {
  const match = /^<([^>]+)>/.exec(headers?.['List-Unsubscribe'] ?? '');
  if (!match) throw new Error(`no List-Unsubscribe URL in ${JSON.stringify(headers)}`);
  if (!match[1].startsWith(origin)) throw new Error(`${match[1]} is not under ${origin}`);
  return match[1].slice(origin.length);
}

export async function ledgerStateOf(app: TestApp, address: string): Promise<string | null> {
  const row = await app.strapi.db.query(UID.address as 'plugin::deliverability.address').findOne({ where: { channel: 'email', address } });
  return (row?.state as string | undefined) ?? null;
}

/** The events of kind `unsubscribe` stored for one message. */
export async function unsubscribeEventsOf(app: TestApp, logDocumentId: string): Promise<Record<string, unknown>[]> {
  return app.strapi.db.query(UID.event as 'plugin::deliverability.delivery-event').findMany({ where: { logDocumentId, kind: 'unsubscribe' } });
}
