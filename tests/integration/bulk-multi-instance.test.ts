/**
 * Bulk sends with several Strapi processes on one PostgreSQL, and on one MySQL/MariaDB, database:
 * two processes share one send's queue and no message reaches the provider twice; a process
 * killed mid-send loses nothing (another takes its claims over once they expire). The provider is
 * a fake Twilio REST server on 127.0.0.1 that counts what it receives.
 *
 * Needs the database servers of tests/helpers/databases.ts (.ci/run starts both).
 */
import { appDir, writeApp } from '../helpers/app';
import { fakeTwilio, type FakeTwilio } from '../helpers/fake-twilio';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { startInstance, stopInstance, waitUntil, type Instance } from '../helpers/instances';
import { insertBulkSend } from '../helpers/bulk-queue';

jest.setTimeout(400_000);

const kinds = serverKinds('bulk-multi-instance.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as ServerKind]);
const CONCURRENCY = 4;



const pidOf = (leaseOwner: string): string => leaseOwner.split(':')[1];

describeEach('bulk sends with several Strapi instances on %s', (kind) => {
  let db: ServerDatabase;
  let twilio: FakeTwilio;
  let instances: Instance[] = [];
  const dir = appDir(`bulk-multi-${kind}`);

  const statusOf = async (sendId: string): Promise<string> => (await db.knex('deliverability_bulk_sends').where('document_id', sendId).first()).status;
  const handedOver = (ids: string[]) => ids.reduce((sum, i) => sum + (twilio.receipts.get(i) ?? 0), 0);

  /** The app's config, with `bulk` settings added to the test's own. */
  const writeConfig = (bulk: Record<string, unknown>) =>
    writeApp(dir, {
      database: db.strapiConnection,
      literalPluginConfig: true,
      pluginConfig: {
        publicUrl: 'http://127.0.0.1:9',
        providers: { twilio: { authToken: 'test-token' } },
        sending: { sms: 'twilio', timeoutMs: 2000, twilio: { accountSid: 'ACtest', from: '+15005550006', baseUrl: `http://127.0.0.1:${twilio.port}` } },
        // The retrier is off: what is proved here is the bulk worker's own recovery. The claims last
        // 10 s (renewed every third of that): short, so that the killed process's claims expire
        // within the test, but not so short that a starved process (the machine's other work)
        // misses two renewals and sees a live claim taken over, which a 5 s claim did under load.
        retrier: { enabled: false, leaseSeconds: 10 },
        bulk: { pollMs: 100, ratePerSecond: 150, concurrency: CONCURRENCY, claimSize: 10, ...bulk },
      },
    });

  beforeAll(async () => {
    db = await createServerDatabase(kind, 'bulkmulti');
    twilio = await fakeTwilio(5);
    writeConfig({});
    instances.push(await startInstance(dir)); // the first one creates the schema
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    await twilio?.close();
    await db?.drop();
  });

  it('two processes share a send of 2,000 and hand no message over twice', async () => {
    instances.push(await startInstance(dir));
    const { sendId, ids } = await insertBulkSend(db, 2000, 'a');
    const claimants = new Set<string>();
    await waitUntil(
      async () => {
        const owners = await db.knex('deliverability_logs').distinct('lease_owner').whereNotNull('lease_owner').whereNot('lease_owner', 'bulk:parked');
        owners.forEach((row: { lease_owner: string }) => claimants.add(pidOf(row.lease_owner)));
        return (await statusOf(sendId)) === 'done';
      },
      240_000,
      'the send to finish',
    );
    const counts = ids.map((i) => twilio.receipts.get(i) ?? 0);
    expect(counts.filter((c) => c === 0)).toHaveLength(0);
    expect(counts.filter((c) => c > 1)).toHaveLength(0);
    expect(claimants.size).toBe(2);
    const attempts = await db.knex('deliverability_events').count({ n: '*' }).where('kind', 'send_attempt').whereIn('log_document_id', ids);
    expect(Number(attempts[0].n)).toBe(2000);
  });

  /** Kills the only process once 300 messages are handed over; another finishes. The receipts per message. */
  async function killedMidSend(tag: string): Promise<number[]> {
    const { sendId, ids } = await insertBulkSend(db, 1500, tag);
    await waitUntil(async () => handedOver(ids) >= 300, 120_000, 'the send to be under way');
    await stopInstance(instances[0], 'SIGKILL');
    instances = [];
    const atCrash = handedOver(ids);
    expect(atCrash).toBeLessThan(1500);
    instances.push(await startInstance(dir));
    await waitUntil(async () => (await statusOf(sendId)) === 'done', 240_000, 'the send to finish');

    const leftovers = await db.knex('deliverability_logs').count({ n: '*' }).whereNotNull('lease_owner').whereIn('document_id', ids);
    expect(Number(leftovers[0].n)).toBe(0);
    return ids.map((i) => twilio.receipts.get(i) ?? 0);
  }

  it('a process killed mid-send loses nothing: another finishes its claims once they expire', async () => {
    await stopInstance(instances.pop()!);
    const counts = await killedMidSend('b');
    expect(counts.filter((c) => c === 0)).toHaveLength(0);
    // A message whose attempt was on record and handed over, but whose outcome was not written
    // when the process died, is sent once more: at most the hand-offs in flight at that moment.
    expect(counts.filter((c) => c > 1).length).toBeLessThanOrEqual(CONCURRENCY);
  });

  it('with bulk.maxUnrecorded, a crash re-sends at most the hand-offs in flight plus the answers waiting for their record', async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    instances = [];
    writeConfig({ maxUnrecorded: CONCURRENCY });
    instances.push(await startInstance(dir));
    const counts = await killedMidSend('c');
    expect(counts.filter((c) => c === 0)).toHaveLength(0);
    expect(counts.filter((c) => c > 1).length).toBeLessThanOrEqual(2 * CONCURRENCY);
  });
});
