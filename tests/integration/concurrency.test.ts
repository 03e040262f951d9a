/**
 * Races on PostgreSQL and MySQL/MariaDB, with three Strapi processes sharing one database.
 *
 * 300 messages to 100 addresses, 20 signed SendGrid events each (processed, deferred, delivered,
 * soft and hard bounces, complaints, with repeats), posted in random order, 16 requests in flight,
 * spread across the processes, while an editor reactivates some of the addresses. SQLite has one
 * writer and cannot show any of this; these servers run transactions side by side.
 *
 * Afterwards:
 * - every message is at the status that folding its events through the core's `decide` gives
 *   (the strongest status they claim), whatever order they arrived in;
 * - every address not reactivated is in the state the fold over all its messages' events gives;
 *   an address whose reactivation succeeded is active (every event is older than the reactivation,
 *   so the rules treat the ones that commit after it as history, and it wiped the ones before);
 * - nothing is duplicated: one event row per event key, one ledger row per address;
 * - the reports' counts equal a count of the messages by quarter-hour (and by hour), channel and
 *   status; and processes booting together after an upgrade sum the hourly counts once.
 *
 * DELIVERABILITY_RACE_ROUNDS (default 1) repeats the whole race on fresh data.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { decide, NEW_ADDRESS, type AddressLedgerState, type MessageState } from '../../server/src/core/decide';
import type { EventKind, NormalizedEvent } from '../../server/src/core/events';
import { DEFAULT_DECISION_POLICY } from '../../server/src/core/policy';
import { appDir, writeApp } from '../helpers/app';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { startInstance, stopInstance, waitUntil, type Instance } from '../helpers/instances';
import { reportCountMismatches, seedReportCounts } from '../helpers/report-counts';
import { sendgridHeaders, vectors } from '../helpers/webhooks';

jest.setTimeout(600_000);

const MESSAGES = 300;
const ADDRESSES = 100;
const EVENTS_PER_MESSAGE = 20;
const EVENTS_PER_REQUEST = 10;
const IN_FLIGHT = 16;
const ROUNDS = Number(process.env.DELIVERABILITY_RACE_ROUNDS ?? 1);

const kinds = serverKinds('concurrency.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as ServerKind]);

/** A deterministic-enough random source per round, so a failing round can be described. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Planned {
  /** The SendGrid event as posted. */
  json: Record<string, unknown>;
  /** The same event as the core sees it (the oracle). */
  event: NormalizedEvent;
}

interface MessagePlan {
  documentId: string;
  address: string;
  unique: Planned[];
  posted: Planned[];
}

const SENDGRID_EVENT: Record<EventKind, { event: string; type?: string } | null> = {
  accepted: { event: 'processed' },
  delivery_delayed: { event: 'deferred' },
  delivered: { event: 'delivered' },
  soft_bounce: { event: 'bounce', type: 'blocked' },
  hard_bounce: { event: 'bounce', type: 'bounce' },
  complaint: { event: 'spamreport' },
  dropped: null,
  unsubscribe: null,
  opt_out: null,
  failed: null,
  // Planned as `soft_bounce`: a 4.7.0 "try again later" without a policy word is not a block of the sender.
  sender_block: null,
  ignored: null,
};

function planMessages(round: number, random: () => number, t0: number): MessagePlan[] {
  const plans: MessagePlan[] = [];
  for (let m = 0; m < MESSAGES; m++) {
    const documentId = `race${round}m${m}${randomBytes(4).toString('hex')}`;
    const address = `student${m % ADDRESSES}.r${round}@race.test`;
    // A realistic history: accepted, maybe held by the provider, then soft bounces and an outcome.
    const kindsInOrder: EventKind[] = ['accepted'];
    if (random() < 0.5) kindsInOrder.push('delivery_delayed');
    if (random() < 0.4) kindsInOrder.push('soft_bounce');
    const outcome = random();
    if (outcome < 0.45) kindsInOrder.push('delivered');
    else if (outcome < 0.75) kindsInOrder.push('hard_bounce');
    else kindsInOrder.push('soft_bounce');
    if (kindsInOrder[kindsInOrder.length - 1] === 'delivered' && random() < 0.25) kindsInOrder.push('complaint');
    let at = t0 + Math.floor(random() * 3600) * 1000;
    const unique = kindsInOrder.map((kind, i): Planned => {
      at += (1 + Math.floor(random() * 120)) * 1000;
      const shape = SENDGRID_EVENT[kind]!;
      const sgEventId = `${documentId}-e${i}`;
      const json: Record<string, unknown> = {
        email: address,
        timestamp: at / 1000,
        event: shape.event,
        sg_event_id: sgEventId,
        sg_message_id: `${documentId}.filter0001`,
        deliverability_id: `${documentId}.1`,
        ...(shape.type
          ? {
              type: shape.type,
              reason: shape.type === 'blocked' ? '421 4.7.0 Try again later' : '550 5.1.1 No such user',
              status: shape.type === 'blocked' ? '4.7.0' : '5.1.1',
            }
          : {}),
      };
      const event: NormalizedEvent = {
        provider: 'sendgrid',
        channel: 'email',
        kind,
        address,
        providerMessageId: documentId,
        correlationId: documentId,
        attempt: 1,
        eventKey: `sendgrid:${sgEventId}`,
        occurredAt: at,
        rawType: shape.type ? `bounce/${shape.type}` : shape.event,
        rawCode: shape.type === 'blocked' ? '4.7.0' : shape.type === 'bounce' ? '5.1.1' : null,
        rawText: null,
        severity: kind === 'hard_bounce' ? 'permanent' : kind === 'soft_bounce' || kind === 'delivery_delayed' ? 'transient' : null,
      };
      return { json, event };
    });
    const posted = [...unique];
    while (posted.length < EVENTS_PER_MESSAGE) posted.push(unique[Math.floor(random() * unique.length)]);
    plans.push({ documentId, address, unique, posted });
  }
  return plans;
}

const START = (t0: number): MessageState => ({ status: 'sent', attempts: 1, firstAttemptAt: t0, nextAttemptAt: null, lastError: null });

/** What a single writer would end with: every address's events folded in time order through `decide`. */
function oracle(plans: MessagePlan[], t0: number, now: number) {
  const messages = new Map<string, MessageState>(plans.map((p) => [p.documentId, START(t0)]));
  const addresses = new Map<string, AddressLedgerState>();
  const all = plans.flatMap((p) => p.unique.map((u) => ({ plan: p, event: u.event })));
  all.sort((a, b) => a.event.occurredAt - b.event.occurredAt || a.event.eventKey.localeCompare(b.event.eventKey));
  for (const { plan, event } of all) {
    const message = messages.get(plan.documentId)!;
    const address = addresses.get(plan.address) ?? { ...NEW_ADDRESS };
    const decision = decide({ event, message, address, policy: DEFAULT_DECISION_POLICY, now });
    if (decision.message)
      messages.set(plan.documentId, { ...message, status: decision.message.status, nextAttemptAt: decision.message.nextAttemptAt });
    if (decision.address) addresses.set(plan.address, decision.address.next);
  }
  return { messages, addresses };
}

async function seed(db: ServerDatabase, plans: MessagePlan[], t0: number): Promise<void> {
  const now = new Date();
  const logs = plans.map((p) => ({
    document_id: p.documentId,
    channel: 'email',
    address: p.address,
    source: 'api',
    status: 'sent',
    attempts: 1,
    first_attempt_at: new Date(t0),
    provider: 'sendgrid',
    provider_message_id: p.documentId,
    content: JSON.stringify({ subject: 'Enrolment', text: 'Welcome' }),
    created_at: now,
    updated_at: now,
    published_at: now,
  }));
  await db.knex.batchInsert('deliverability_logs', logs, 100);
  await seedReportCounts(db.knex, logs);
  // Most addresses are already in the ledger (an earlier message was delivered): the updates race.
  // The rest are new, so their first rows are created by racing requests.
  const known = [...new Set(plans.map((p) => p.address))].filter((_, i) => i % 5 !== 0);
  await db.knex.batchInsert(
    'deliverability_addresses',
    known.map((address, i) => ({
      document_id: `addr${randomBytes(8).toString('hex')}${i}`,
      channel: 'email',
      address,
      state: 'active',
      soft_bounce_count: 0,
      exhausted_streak: 0,
      bounce_score: 0,
      last_delivered_at: new Date(t0 - 86_400_000),
      created_at: now,
      updated_at: now,
      published_at: now,
    })),
    100,
  );
}

async function pool<T>(items: T[], size: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

describeEach('three Strapi processes on %s', (kind) => {
  let db: ServerDatabase;
  const instances: Instance[] = [];
  const dir = appDir(`race-${kind}`);
  let adminJwt = '';

  beforeAll(async () => {
    db = await createServerDatabase(kind, 'race');
    writeApp(dir, {
      database: db.strapiConnection,
      literalPluginConfig: true,
      pluginConfig: {
        providers: { sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der } },
        // Only webhooks race here; the retrier has its own suite.
        retrier: { enabled: false },
        // Every process folds the report counts twice a second, so compactions race the intake and each other.
        reports: { compactEverySeconds: 0.5 },
      },
    });
    instances.push(await startInstance(dir)); // the first one creates the schema alone
    instances.push(...(await Promise.all([startInstance(dir), startInstance(dir)])));
    const registered = await request(`http://127.0.0.1:${instances[0].port}`)
      .post('/admin/register-admin')
      .send({ email: 'race@test.local', firstname: 'Race', lastname: 'Editor', password: 'Race-password-1' });
    expect(registered.status).toBe(200);
    adminJwt = registered.body.data.token as string;
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    await db?.drop();
  });

  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    'round %i: final states equal a single writer’s, nothing duplicated',
    async (round) => {
      const seedValue = Number(process.env.DELIVERABILITY_RACE_SEED ?? Date.now()) + round;
      const random = rng(seedValue);
      const t0 = Date.now() - 6 * 3_600_000;
      const plans = planMessages(round, random, t0);
      await seed(db, plans, t0);

      // Shuffle every posted event, cut into signed batches, spread over the processes.
      const posted = plans.flatMap((p) => p.posted.map((x) => x.json));
      for (let i = posted.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [posted[i], posted[j]] = [posted[j], posted[i]];
      }
      const batches: string[] = [];
      for (let i = 0; i < posted.length; i += EVENTS_PER_REQUEST) batches.push(JSON.stringify(posted.slice(i, i + EVENTS_PER_REQUEST)));

      // An editor reactivates a tenth of the addresses, three times each, while the events pour in.
      const addresses = [...new Set(plans.map((p) => p.address))];
      const reactivated = addresses.filter((_, i) => i % 10 === 3);
      const reactivationSucceeded = new Set<string>();
      const reactivations = reactivated.flatMap((address) => [1, 2, 3].map((n) => ({ address, at: Math.floor((batches.length * n) / 4) })));

      const statuses: number[] = [];
      let sentBatches = 0;
      const reactivationRuns: Promise<void>[] = [];
      await pool(batches, IN_FLIGHT, async (body, i) => {
        for (const r of reactivations.filter((x) => x.at === i)) {
          reactivationRuns.push(
            (async () => {
              const response = await request(`http://127.0.0.1:${instances[(i + 1) % instances.length].port}`)
                .post('/deliverability/addresses/reactivate')
                .set('Authorization', `Bearer ${adminJwt}`)
                .send({ channel: 'email', address: r.address, reason: 'The student confirmed the address by phone.' });
              if (response.status === 200) reactivationSucceeded.add(r.address);
              else expect([404, 409]).toContain(response.status);
            })(),
          );
        }
        // A provider re-posts a batch answered 5xx; so does this test, and counts how often it had to.
        for (let tries = 0; tries < 5; tries++) {
          const response = await request(`http://127.0.0.1:${instances[(i + tries) % instances.length].port}`)
            .post('/api/deliverability/webhooks/sendgrid')
            .set(sendgridHeaders(body))
            .send(body);
          statuses.push(response.status);
          if (response.status < 500) break;
        }
        sentBatches += 1;
      });
      await Promise.all(reactivationRuns);
      expect(sentBatches).toBe(batches.length);

      const expected = oracle(plans, t0, Date.now());
      const logs = await db
        .knex('deliverability_logs')
        .select('document_id', 'status')
        .whereIn(
          'document_id',
          plans.map((p) => p.documentId),
        );
      const wrongMessages = logs
        .filter((row: { document_id: string; status: string }) => row.status !== expected.messages.get(row.document_id)!.status)
        .map(
          (row: { document_id: string; status: string }) =>
            `${row.document_id}: ${row.status}, expected ${expected.messages.get(row.document_id)!.status}`,
        );

      const ledger = await db.knex('deliverability_addresses').select('address', 'state').whereIn('address', addresses);
      const stateOf = new Map(ledger.map((row: { address: string; state: string }) => [row.address, row.state]));
      const wrongAddresses = addresses
        .map((address) => {
          const want = reactivationSucceeded.has(address) ? 'active' : (expected.addresses.get(address)?.state ?? 'active');
          const got = stateOf.get(address) ?? 'active';
          return got === want
            ? null
            : `${address}: ${got}, expected ${want}${reactivated.includes(address) ? ' (reactivation refused)' : ''}`;
        })
        .filter(Boolean);

      const eventCounts = await db
        .knex('deliverability_events')
        .select('event_key')
        .count({ n: '*' })
        .whereIn(
          'log_document_id',
          plans.map((p) => p.documentId),
        )
        .groupBy('event_key');
      const uniqueEvents = plans.reduce((sum, p) => sum + p.unique.length, 0);
      const ledgerRows = await db.knex('deliverability_addresses').count({ n: '*' }).whereIn('address', addresses);

      const summary = {
        seed: seedValue,
        refused: statuses.filter((s) => s !== 200).length,
        wrongMessages: wrongMessages.length,
        wrongAddresses: wrongAddresses.length,
        examples: [...wrongMessages.slice(0, 3), ...wrongAddresses.slice(0, 3)],
      };
      if (summary.refused + wrongMessages.length + wrongAddresses.length > 0)
        console.log(`race on ${kind}, round ${round}:`, JSON.stringify(summary, null, 2));
      expect(summary).toEqual({ seed: seedValue, refused: 0, wrongMessages: 0, wrongAddresses: 0, examples: [] });
      expect(eventCounts).toHaveLength(uniqueEvents);
      expect(eventCounts.filter((row) => Number(row.n) !== 1)).toEqual([]);
      expect(Number(ledgerRows[0].n)).toBe(addresses.length);
      // The reports' counts moved with every status the racing requests wrote, and the processes'
      // compactions (which raced the requests and each other) fold every delta in.
      expect(await reportCountMismatches(db.knex)).toEqual([]);
      await waitUntil(async () => Number((await db.knex('deliverability_report_deltas').count({ n: '*' }))[0].n) === 0, 20_000, 'the deltas folded in');
      expect(Number((await db.knex('deliverability_report_counts').count({ n: '*' }))[0].n)).toBeGreaterThan(0);
      expect(await reportCountMismatches(db.knex)).toEqual([]);
    },
  );

  it('an upgrade: processes that boot together with counts by quarter-hour but none by hour sum them once, while messages keep coming', async () => {
    const pendingDeltas = async () => Number((await db.knex('deliverability_report_deltas').count({ n: '*' }))[0].n);
    await waitUntil(async () => (await pendingDeltas()) === 0, 20_000, 'the deltas folded in');
    // An upgrade stops every process (Strapi's schema sync needs one version at a time), and finds no hourly counts.
    await Promise.all(instances.map((i) => stopInstance(i)));
    await db.knex('deliverability_report_hours').delete();
    expect(await reportCountMismatches(db.knex)).not.toEqual([]);

    // Messages keep arriving, over the last twelve hours, while the three processes boot at once:
    // one sums the hourly counts, the others wait for it, and each compacts once it is up.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const rows = Array.from({ length: 20 }, (_, i) => {
          const at = new Date(Date.now() - ((written + i) % 12) * 3_600_000);
          return {
            document_id: `upgrade-${written + i}`,
            channel: 'email',
            address: `upgrade${written + i}@example.ac.uk`,
            source: 'api',
            status: 'sent',
            attempts: 1,
            content: JSON.stringify({ subject: 'Enrolment', text: 'Welcome' }),
            created_at: at,
            updated_at: at,
            published_at: at,
          };
        });
        await db.knex.batchInsert('deliverability_logs', rows, 100);
        await seedReportCounts(db.knex, rows);
        written += rows.length;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const booted = await Promise.all(instances.map(() => startInstance(dir)));
    instances.splice(0, instances.length, ...booted);
    writing = false;
    await writer;

    expect(written).toBeGreaterThan(0);
    await waitUntil(async () => (await pendingDeltas()) === 0, 20_000, 'the deltas folded in');
    expect(Number((await db.knex('deliverability_report_hours').count({ n: '*' }))[0].n)).toBeGreaterThan(0);
    expect(await reportCountMismatches(db.knex)).toEqual([]);
  });
});
