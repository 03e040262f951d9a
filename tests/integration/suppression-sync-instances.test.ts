/**
 * Two Strapi processes on one PostgreSQL, and on one MySQL/MariaDB, database, both scheduled to
 * pull the providers' suppression lists at the same second: the pull runs once (each page of the
 * fake SendGrid API is asked for exactly once), and two editors starting a pull at the same moment
 * on the two processes get one 202 and one 409.
 *
 * Needs the database servers of tests/helpers/databases.ts (.ci/run starts both).
 */
import request from 'supertest';
import { appDir, writeApp } from '../helpers/app';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { startInstance, stopInstance, waitUntil, type Instance } from '../helpers/instances';
import { FAKE_KEYS, startFakeProviderLists, type FakeProviderLists } from '../helpers/fake-provider-lists';

jest.setTimeout(300_000);

const kinds = serverKinds('suppression-sync-instances.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as ServerKind]);

const BOUNCES = 14;
const PAGE = 3;

/** A node-cron expression (with seconds) that fires once, at `at` (local time, as node-cron reads it). */
function onceAt(at: Date): string {
  return `${at.getSeconds()} ${at.getMinutes()} ${at.getHours()} ${at.getDate()} ${at.getMonth() + 1} *`;
}

describeEach('the suppression pull with two instances on %s', (kind) => {
  let db: ServerDatabase;
  let fake: FakeProviderLists;
  let instances: Instance[] = [];
  const dir = appDir(`sync-instances-${kind}`);

  const write = (schedule: string) =>
    writeApp(dir, {
      database: db.strapiConnection,
      literalPluginConfig: true,
      pluginConfig: {
        sync: { enabled: true, schedule, pageSize: PAGE, sendgrid: { apiKey: FAKE_KEYS.sendgrid, baseUrl: `${fake.baseUrl}/sendgrid` } },
      },
    });
  const syncRow = async () =>
    (await db.knex('deliverability_suppression_syncs').where('provider', 'sendgrid').first()) as Record<string, unknown> | undefined;

  beforeAll(async () => {
    db = await createServerDatabase(kind, 'syncinst');
    fake = await startFakeProviderLists();
    fake.seed(
      'sendgrid:bounces',
      Array.from({ length: BOUNCES }, (_, i) => ({
        address: `student${i}@example.ac.uk`,
        created: 1_700_000_000 + i,
        reason: 'No such user',
      })),
    );
    // Each answer takes a while, so the two processes' runs would overlap if both ran.
    fake.delayMs = 150;
    // The first process creates the schema alone.
    write('0 0 1 1 *');
    instances.push(await startInstance(dir));
    await stopInstance(instances.pop()!);
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    await fake?.close();
    await db?.drop();
  });

  it('runs a scheduled slot once, whichever process fires first', async () => {
    const slot = new Date(Math.ceil((Date.now() + 30_000) / 1000) * 1000);
    write(onceAt(slot));
    instances = await Promise.all([startInstance(dir), startInstance(dir)]);
    if (Date.now() >= slot.getTime()) throw new Error('the processes took longer to start than the margin before the slot: raise it');
    await waitUntil(async () => (await syncRow())?.status === 'done', 60_000, 'the scheduled pull');
    // Both fired at the slot; give a late second run time to show itself.
    await new Promise((resolve) => setTimeout(resolve, 2000));

    const offsets = fake.requests.filter((r) => r.path === '/sendgrid/v3/suppression/bounces').map((r) => r.query.get('offset'));
    expect(offsets).toEqual(['0', '3', '6', '9', '12']);
    const row = await syncRow();
    expect(new Date(row!.last_slot_at as string).getTime()).toBe(slot.getTime());
    expect(Number(row!.entries_new)).toBe(BOUNCES);
    const failed = await db.knex('deliverability_addresses').count({ n: '*' }).where({ channel: 'email', state: 'failed' });
    expect(Number(failed[0].n)).toBe(BOUNCES);
    const events = await db.knex('deliverability_events').count({ n: '*' }).where('raw_type', 'suppression-list/bounces');
    expect(Number(events[0].n)).toBe(BOUNCES);
  });

  it('takes one of two simultaneous "sync now" requests on the two processes, and refuses the other with 409', async () => {
    const base = (i: number) => `http://127.0.0.1:${instances[i].port}`;
    const registered = await request(base(0))
      .post('/admin/register-admin')
      .send({ email: 'admin@test.local', password: 'Test-password-1', firstname: 'Test', lastname: 'Admin' });
    expect(registered.status).toBe(200);
    const jwt = registered.body.data.token as string;
    const statuses = await Promise.all(
      [0, 1].map(
        async (i) =>
          (await request(base(i)).post('/deliverability/suppression-sync/sendgrid').set('Authorization', `Bearer ${jwt}`)).status,
      ),
    );
    expect(statuses.sort()).toEqual([202, 409]);
    await waitUntil(async () => (await syncRow())?.lease_owner === null, 60_000, 'the pull to finish');
    expect((await syncRow())?.status).toBe('done');
  });
});
