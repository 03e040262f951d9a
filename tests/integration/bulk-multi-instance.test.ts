/**
 * Bulk sends with several Strapi processes on one PostgreSQL, and on one MySQL/MariaDB, database:
 * two processes share one send's queue and no message reaches the provider twice; a process
 * killed mid-send loses nothing and sends nothing twice (another takes its claims over once they
 * expire, and waits for the provider's report on those whose hand-off may have left). The provider
 * is a fake Twilio REST server on 127.0.0.1 that counts what it receives and reports each message
 * delivered to its StatusCallback; a report that no process takes is posted again later, as the
 * email providers retry their webhooks (tests/helpers/fake-twilio.ts).
 *
 * Needs the database servers of tests/helpers/databases.ts (.ci/run starts both).
 */
import { appDir, writeApp } from '../helpers/app';
import { fakeTwilio, type FakeTwilio } from '../helpers/fake-twilio';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { abandonedAttempts, begunAttempts, killWhile, startInstance, stopInstance, waitUntil, type Instance } from '../helpers/instances';
import { insertBulkSend } from '../helpers/bulk-queue';

jest.setTimeout(400_000);

const kinds = serverKinds('bulk-multi-instance.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as ServerKind]);
const CONCURRENCY = 4;
const TWILIO_TOKEN = 'test-token';

const pidOf = (leaseOwner: string): string => leaseOwner.split(':')[1];

describeEach('bulk sends with several Strapi instances on %s', (kind) => {
  let db: ServerDatabase;
  let twilio: FakeTwilio;
  let instances: Instance[] = [];
  const dir = appDir(`bulk-multi-${kind}`);

  const statusOf = async (sendId: string): Promise<string> => (await db.knex('deliverability_bulk_sends').where('document_id', sendId).first()).status;
  const handedOver = (ids: string[]) => ids.reduce((sum, i) => sum + (twilio.receipts.get(i) ?? 0), 0);
  const undelivered = async (ids: string[]) =>
    Number((await db.knex('deliverability_logs').count({ n: '*' }).whereIn('document_id', ids).whereNot('status', 'delivered'))[0].n);

  /** The app's config, with `bulk` settings added to the test's own. */
  const writeConfig = (bulk: Record<string, unknown>) =>
    writeApp(dir, {
      database: db.strapiConnection,
      literalPluginConfig: true,
      pluginConfig: {
        publicUrl: 'http://127.0.0.1:9',
        providers: { twilio: { authToken: TWILIO_TOKEN } },
        sending: {
          sms: 'twilio',
          timeoutMs: 2000,
          // A hand-off whose answer was never recorded waits 30 s for its report before it is sent again.
          unconfirmedWaitMinutes: 0.5,
          twilio: { accountSid: 'ACtest', from: '+15005550006', baseUrl: `http://127.0.0.1:${twilio.port}` },
        },
        // The retrier sends again what waited in vain for a report. The claims last 10 s (renewed
        // every third of that): short, so that the killed process's claims expire within the test,
        // but not so short that a starved process (the machine's other work) misses two renewals
        // and sees a live claim taken over, which a 5 s claim did under load.
        retrier: { enabled: true, schedule: '* * * * * *', leaseSeconds: 10 },
        bulk: { pollMs: 100, ratePerSecond: 150, concurrency: CONCURRENCY, claimSize: 10, ...bulk },
      },
    });

  beforeAll(async () => {
    db = await createServerDatabase(kind, 'bulkmulti');
    // A report that finds no process is posted again 15 s later, after the dead process's claims
    // (10 s) have expired.
    twilio = await fakeTwilio(5, { authToken: TWILIO_TOKEN, ports: () => instances.map((i) => i.port), retryAfterMs: 15_000 });
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
    // Done means every message attempted. A message whose attempt is on record and whose hand-off
    // never happened (a stage that failed, as a deadlock the server broke can make it) waits
    // `unconfirmedWaitMinutes` for a report before the retrier sends it: wait for every report.
    await waitUntil(async () => (await undelivered(ids)) === 0, 120_000, 'every message delivered');
    const counts = ids.map((i) => twilio.receipts.get(i) ?? 0);
    expect(counts.filter((c) => c === 0)).toHaveLength(0);
    expect(counts.filter((c) => c > 1)).toHaveLength(0);
    expect(claimants.size).toBe(2);
    const attempts = await db.knex('deliverability_events').count({ n: '*' }).where('kind', 'send_attempt').whereIn('log_document_id', ids);
    expect(Number(attempts[0].n)).toBe(2000);
  });

  /**
   * Kills the only process once 300 messages are handed over, while it holds attempts begun and
   * not recorded; another finishes. Waits until every message is delivered: the ones handed over
   * before the crash are reported by the provider, the others are sent by the survivor. Returns
   * the receipts per message, and how many messages the survivor found abandoned (attempt on
   * record, answer not).
   */
  async function killedMidSend(tag: string): Promise<{ counts: number[]; abandoned: number }> {
    const { sendId, ids } = await insertBulkSend(db, 1500, tag);
    await killWhile(instances[0], async () => handedOver(ids) >= 300 && (await begunAttempts(db.knex, ids, 1)) > 0, 120_000, 'the send to be under way');
    instances = [];
    const atCrash = handedOver(ids);
    expect(atCrash).toBeLessThan(1500);
    instances.push(await startInstance(dir));
    await waitUntil(async () => (await statusOf(sendId)) === 'done', 240_000, 'the send to finish');
    await waitUntil(async () => (await undelivered(ids)) === 0, 120_000, 'every message delivered');

    const leftovers = await db.knex('deliverability_logs').count({ n: '*' }).whereNotNull('lease_owner').whereIn('document_id', ids);
    expect(Number(leftovers[0].n)).toBe(0);
    return { counts: ids.map((i) => twilio.receipts.get(i) ?? 0), abandoned: await abandonedAttempts(db.knex, ids) };
  }

  // With bulk.maxUnrecorded at its default (bulk.concurrency): answers wait for their record while the slots go on.
  it('a process killed mid-send loses nothing and sends nothing twice', async () => {
    await stopInstance(instances.pop()!);
    const { counts, abandoned } = await killedMidSend('b');
    expect(counts.filter((c) => c === 0)).toHaveLength(0);
    expect(counts.filter((c) => c > 1)).toHaveLength(0);
    // The messages whose attempt was on record when the process died (handed over or not) were
    // found abandoned; each waited for its report instead of being sent again at once.
    expect(abandoned).toBeGreaterThan(0);
  });

  it('with bulk.maxUnrecorded 0 (slots wait for each record), a crash sends nothing twice either', async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    instances = [];
    writeConfig({ maxUnrecorded: 0 });
    instances.push(await startInstance(dir));
    const { counts, abandoned } = await killedMidSend('c');
    expect(counts.filter((c) => c === 0)).toHaveLength(0);
    expect(counts.filter((c) => c > 1)).toHaveLength(0);
    expect(abandoned).toBeGreaterThan(0);
  });
});
