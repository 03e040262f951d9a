/**
 * Several Strapi processes on one PostgreSQL, and on one MySQL/MariaDB, database: every due
 * message is re-sent by exactly one of them; when a process is killed mid-tick, its leases expire
 * and the others finish its work without sending anything twice; a provider so slow that a tick
 * outlives the lease, with reports finishing messages while they are claimed, gets no message
 * twice and none moved back. The provider is a fake Twilio REST server on 127.0.0.1 that counts
 * what it receives and reports each message delivered.
 *
 * Needs the database servers of tests/helpers/databases.ts (.ci/run starts both).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { appDir, writeApp } from '../helpers/app';
import { fakeTwilio, type FakeTwilio } from '../helpers/fake-twilio';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { abandonedAttempts, begunAttempts, killWhile, startInstance, stopInstance, waitUntil, type Instance } from '../helpers/instances';
import { reportCountMismatches, seedReportCounts } from '../helpers/report-counts';
import { twilioHeaders } from '../helpers/webhooks';

jest.setTimeout(400_000);

const kinds = serverKinds('multi-instance.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as ServerKind]);

const TWILIO_TOKEN = 'test-token';
const PUBLIC_URL = 'http://127.0.0.1:9';

/** `count` deferred SMS messages due now (attempt 1 soft-bounced a minute ago). */
async function insertDue(db: ServerDatabase, count: number, prefix: string): Promise<string[]> {
  const now = new Date();
  const rows = Array.from({ length: count }, (_, i) => ({
    document_id: `${prefix}${randomUUID().replace(/-/g, '').slice(0, 20)}`,
    channel: 'sms',
    address: `+4477009${String(i).padStart(5, '0')}`,
    source: 'api',
    status: 'deferred',
    attempts: 1,
    first_attempt_at: new Date(now.getTime() - 60_000),
    next_attempt_at: new Date(now.getTime() - 1000),
    content: JSON.stringify({ body: 'Your class moved' }),
    created_at: now,
    updated_at: now,
    published_at: now,
  }));
  await db.knex.batchInsert('deliverability_logs', rows, 500);
  await seedReportCounts(db.knex, rows);
  return rows.map((r) => r.document_id);
}

const pidOf = (leaseOwner: string): string => leaseOwner.split(':')[1];

describeEach('several Strapi instances on %s', (kind) => {
  let db: ServerDatabase;
  let twilio: FakeTwilio;
  let instances: Instance[] = [];
  const dir = appDir(`multi-${kind}`);

  const write = (retrier: Record<string, unknown>, timeoutMs: number) =>
    writeApp(dir, {
      database: db.strapiConnection,
      literalPluginConfig: true,
      pluginConfig: {
        publicUrl: PUBLIC_URL,
        providers: { twilio: { authToken: TWILIO_TOKEN } },
        sending: {
          sms: 'twilio',
          timeoutMs,
          // An attempt found abandoned waits 30 s for its report before it is sent again.
          unconfirmedWaitMinutes: 0.5,
          twilio: { accountSid: 'ACtest', from: '+15005550006', baseUrl: `http://127.0.0.1:${twilio.port}` },
        },
        retrier: { enabled: true, schedule: '* * * * * *', ...retrier },
        // Compactions race the ticks (and one is killed mid-way).
        reports: { compactEverySeconds: 0.5 },
      },
    });
  const restart = async (count: number) => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    instances = [await startInstance(dir)];
    while (instances.length < count) instances.push(await startInstance(dir));
  };
  const statusesOf = async (ids: string[]) =>
    (await db.knex('deliverability_logs').select('document_id', 'status', 'lease_owner', 'address').whereIn('document_id', ids)) as {
      document_id: string;
      status: string;
      lease_owner: string | null;
      address: string;
    }[];
  const pending = async (ids: string[]) => (await statusesOf(ids)).filter((r) => r.status !== 'sent' && r.status !== 'delivered').length;
  // Delivered, not just sent: a hand-off that timed out is `sent` and waits for a report (or, if none
  // comes, is sent again), so only the reports say that every message reached the provider.
  const undelivered = async (ids: string[]) => (await statusesOf(ids)).filter((r) => r.status !== 'delivered').length;

  beforeAll(async () => {
    db = await createServerDatabase(kind, 'multi');
    // A report that finds no process is posted again 12 s later, after the claims (8 s) expire.
    twilio = await fakeTwilio(3, { authToken: TWILIO_TOKEN, ports: () => instances.map((i) => i.port), retryAfterMs: 12_000 });
    // Every second, small batches, short leases: the processes interleave many times in a test.
    write({ batchSize: 50, leaseSeconds: 8 }, 3000);
    instances.push(await startInstance(dir)); // the first one creates the schema
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    await twilio?.close();
    await db?.drop();
  });

  it('sends each of 3,000 due messages exactly once across three processes', async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    instances = [];
    const ids = await insertDue(db, 3000, 'a');
    instances = await Promise.all([startInstance(dir), startInstance(dir), startInstance(dir)]);
    // Which processes held claims while the work went on.
    const claimants = new Set<string>();
    await waitUntil(
      async () => {
        const owners = await db.knex('deliverability_logs').distinct('lease_owner').whereNotNull('lease_owner');
        owners.forEach((row: { lease_owner: string }) => claimants.add(pidOf(row.lease_owner)));
        return (await undelivered(ids)) === 0;
      },
      240_000,
      'every message delivered',
    );

    const counts = ids.map((id) => twilio.receipts.get(id) ?? 0);
    expect(counts.filter((c) => c === 0)).toHaveLength(0);
    expect(counts.filter((c) => c > 1)).toHaveLength(0);
    // More than one process took part: the claims really were contended.
    expect(claimants.size).toBeGreaterThan(1);
    // One attempt a message, and at most one more after each hand-off that had no answer: its
    // message waited for a report, and was sent again only if none came.
    const attempts = db.knex('deliverability_events').count({ n: '*' }).where('kind', 'send_attempt').whereIn('log_document_id', ids);
    const unanswered = Number((await attempts.clone().whereNotNull('raw_code'))[0].n);
    const total = Number((await attempts)[0].n);
    expect(total).toBeGreaterThanOrEqual(3000);
    expect(total).toBeLessThanOrEqual(3000 + unanswered);
  });

  it('finishes the work of a process killed mid-tick once its leases expire, and sends nothing twice', async () => {
    // 200 ms a hand-off, four at a time: a batch of 50 takes 2.5 s and the 600 messages about 10 s
    // across the three processes, so the victim is sure to be found mid-tick even if its ticks
    // start late. Each report comes 30 s after its hand-off, long after the victim's claims (8 s)
    // expire: the messages it had begun are taken over before their reports can finish them, even
    // when the others are still busy with their own ticks (at 15 s, a slow machine's took longer).
    twilio.delayMs = 200;
    twilio.reportDelayMs = 30_000;
    const ids = await insertDue(db, 600, 'b');
    // The victim: the first process seen holding claims whose attempt 2 is on record and whose answer is not.
    const victim = await killWhile(
      instances,
      async (instance) => (await begunAttempts(db.knex, ids, 2, instance.child.pid)) > 0,
      60_000,
      'a process to begin attempts',
    );
    instances = instances.filter((instance) => instance !== victim);
    // Delivered: reported by the provider, for what the victim handed over before it died as for
    // what the others sent.
    await waitUntil(async () => (await undelivered(ids)) === 0, 180_000, 'every message delivered');

    const counts = ids.map((id) => twilio.receipts.get(id) ?? 0);
    expect(counts.filter((c) => c === 0)).toHaveLength(0);
    // The victim's attempts on record whose answers were not were found abandoned by the process
    // that took over: they waited for their reports, and only those never handed over were sent.
    expect(counts.filter((c) => c > 1)).toHaveLength(0);
    expect(await abandonedAttempts(db.knex, ids)).toBeGreaterThan(0);
    const leftovers = await db.knex('deliverability_logs').count({ n: '*' }).whereNotNull('lease_owner').whereIn('document_id', ids);
    expect(Number(leftovers[0].n)).toBe(0);
    // The victim's unfinished transactions took their report counts with them.
    expect(await reportCountMismatches(db.knex)).toEqual([]);
  });

  it('a tick that outlives its lease hands nothing over twice, and a report that lands mid-claim is never undone', async () => {
    // Each hand-off takes 1.5 s, two at a time, 40 claimed per tick: a tick works for about 30 s
    // on claims that last 4 s unless renewed.
    twilio.delayMs = 1500;
    twilio.reportDelayMs = 0;
    write({ batchSize: 40, leaseSeconds: 4, concurrency: 2 }, 2000);
    await restart(2);
    const ids = await insertDue(db, 120, 'c');

    // While the processes work, the provider reports a late delivery of attempt 1 for messages that
    // are claimed but not yet handed over: they are finished, and must not be sent again.
    const deliveredLate = new Set<string>();
    const started = Date.now();
    while (deliveredLate.size < 15 && Date.now() - started < 60_000) {
      const claimed = (await statusesOf(ids)).filter((r) => r.status === 'deferred' && r.lease_owner && !deliveredLate.has(r.document_id));
      for (const row of claimed.slice(0, 3)) {
        const path = `/api/deliverability/webhooks/twilio?dlv=${row.document_id}.1`;
        const form = new URLSearchParams({
          MessageSid: `SMlate${row.document_id}`,
          MessageStatus: 'delivered',
          To: row.address,
          AccountSid: 'ACtest',
        }).toString();
        const response = await request(`http://127.0.0.1:${instances[deliveredLate.size % 2].port}`)
          .post(path)
          .set(twilioHeaders(TWILIO_TOKEN, `${PUBLIC_URL}${path}`, form))
          .send(form);
        expect(response.status).toBe(200);
        deliveredLate.add(row.document_id);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(deliveredLate.size).toBeGreaterThan(0);
    await waitUntil(async () => (await pending(ids)) === 0, 240_000, 'every message sent or delivered');

    const final = new Map((await statusesOf(ids)).map((r) => [r.document_id, r.status]));
    const twice = ids.filter((id) => (twilio.receipts.get(id) ?? 0) > 1);
    expect(twice).toEqual([]);
    // A delivered message stays delivered: nothing moved it back to queued or sent.
    expect([...deliveredLate].filter((id) => final.get(id) !== 'delivered')).toEqual([]);
    // Every other message was handed over exactly once. (A late delivery that raced with the hand-off
    // itself may have been handed over once too; it is never handed over twice.)
    const others = ids.filter((id) => !deliveredLate.has(id));
    expect(others.filter((id) => (twilio.receipts.get(id) ?? 0) !== 1)).toEqual([]);
    const queuedEvents = await db
      .knex('deliverability_logs')
      .count({ n: '*' })
      .whereIn('document_id', ids)
      .whereIn('status', ['queued', 'deferred']);
    expect(Number(queuedEvents[0].n)).toBe(0);
    expect(await reportCountMismatches(db.knex)).toEqual([]);
  });
});
