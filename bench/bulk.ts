/**
 * `npm run bench:bulk`: one bulk send of 50,000 SMS recipients through a transport with a fixed
 * 50 ms latency (a fake Twilio REST server on 127.0.0.1, in a process of its own as a provider
 * would be), on SQLite (or PostgreSQL when BULK_BENCH_PG is a database URL; the database is wiped).
 * Reports:
 *
 * - the send's throughput as a ratio of its concurrency bound (concurrency / latency: what
 *   `concurrency` hand-offs in flight at once could do if nothing else cost time); target ≥ 0.8;
 * - the retrier's tick time (20 due messages each tick) idle and while the send runs, so that a
 *   bulk send is seen not to starve the retrier;
 * - how long creating the send took (checked whole, then 50,000 messages queued).
 *
 * Environment: BULK_BENCH_RECIPIENTS (50000), BULK_BENCH_CONCURRENCY (16), BULK_BENCH_PG,
 * BULK_BENCH_MAX_UNRECORDED (`bulk.maxUnrecorded`; the plugin's default, the concurrency, unless set),
 * BULK_BENCH_SQLITE_WAL=1 (SQLite in WAL mode, a site's choice: `journal_mode=wal`, still
 * `synchronous=full`; written to a results file of its own, quoted in the README's prose).
 */
import fs from 'node:fs';
import path from 'node:path';
import { databaseFromUrl, freePort, ROOT, startApp, type TestApp } from '../tests/helpers/app';
import { remoteTwilio } from './lib/remote-twilio';
import { bulkResultsFile, machine, producedBy, type Row } from './lib/report';
import { median, percentile, round } from './lib/stats';

const RECIPIENTS = Number(process.env.BULK_BENCH_RECIPIENTS ?? 50_000);
const CONCURRENCY = Number(process.env.BULK_BENCH_CONCURRENCY ?? 16);
const MAX_UNRECORDED = Number(process.env.BULK_BENCH_MAX_UNRECORDED ?? CONCURRENCY);
const SQLITE_WAL = process.env.BULK_BENCH_SQLITE_WAL === '1' && !process.env.BULK_BENCH_PG;
const LATENCY_MS = 50;
const DUE_PER_TICK = 20;
const CONTACT = 'plugin::deliverability.contact';
const LOG = 'plugin::deliverability.delivery-log';
const BULK_SEND = 'plugin::deliverability.bulk-send';
/** How often the admin's bulk-send page reads the send's progress (admin/src/bulk/BulkSendPage.tsx). */
const PROGRESS_POLL_MS = 1000;

type BulkSends = { create(body: unknown): Promise<{ id: string }>; find(id: string): Promise<{ status: string; counts: Record<string, number> }> };

const service = <T>(app: TestApp, name: string): T => app.strapi.plugin('deliverability').service(name) as T;

async function seedContacts(app: TestApp): Promise<void> {
  const now = new Date();
  for (let i = 0; i < RECIPIENTS; i += 1000) {
    const data = Array.from({ length: Math.min(1000, RECIPIENTS - i) }, (_, j) => ({
      firstName: `S${i + j}`,
      lastName: 'Cohort',
      mobile: `+447${String(700_000_000 + i + j)}`,
      createdAt: now,
      updatedAt: now,
      publishedAt: now,
    }));
    await app.strapi.db.query(CONTACT).createMany({ data });
  }
}

/** Times one retrier tick over `DUE_PER_TICK` deferred messages due now. */
async function timedTick(app: TestApp): Promise<number> {
  const now = new Date();
  const data = Array.from({ length: DUE_PER_TICK }, (_, i) => ({
    channel: 'sms',
    address: `+447${String(600_000_000 + Math.floor(Math.random() * 99_999_999))}`,
    source: 'api',
    status: 'deferred',
    attempts: 1,
    firstAttemptAt: new Date(now.getTime() - 60_000),
    nextAttemptAt: new Date(now.getTime() - 1000 - i),
    content: { body: 'Retry me' },
    createdAt: now,
    updatedAt: now,
    publishedAt: now,
  }));
  await app.strapi.db.query(LOG).createMany({ data });
  const tick = await service<{ tick(): Promise<{ durationMs: number; claimed: number }> }>(app, 'retrier').tick();
  return tick.durationMs;
}

async function ticksWhile(app: TestApp, going: () => boolean, atLeast: number): Promise<number[]> {
  const times: number[] = [];
  while (going() || times.length < atLeast) {
    times.push(await timedTick(app));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (!going() && times.length >= atLeast) break;
  }
  return times;
}

/**
 * Waits for the send to end while an editor watches it: its whole progress (counts by status, the
 * per-minute figure) is read once a second, as the admin's page reads it. The end itself is seen
 * from the send's status alone, read every 100 ms, so that the time measured is not rounded up to
 * the next progress read.
 */
async function watchUntilDone(app: TestApp, bulk: BulkSends, id: string): Promise<void> {
  let progressReadAt = 0;
  for (;;) {
    if (Date.now() - progressReadAt >= PROGRESS_POLL_MS) {
      progressReadAt = Date.now();
      await bulk.find(id);
    }
    const send = await app.strapi.db.query(BULK_SEND).findOne({ select: ['status'], where: { documentId: id } });
    if (send?.status === 'done') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const twilio = await remoteTwilio(LATENCY_MS);
  const port = await freePort();
  const app = await startApp('bench-bulk', {
    port,
    database: process.env.BULK_BENCH_PG ? databaseFromUrl(process.env.BULK_BENCH_PG) : undefined,
    pluginConfig: {
      publicUrl: 'http://127.0.0.1:9',
      providers: { twilio: { authToken: 'bench-token' } },
      sending: { sms: 'twilio', twilio: { accountSid: 'ACbench', from: '+15005550006', baseUrl: `http://127.0.0.1:${twilio.port}` } },
      // Ticks are run by hand, to time them.
      retrier: { enabled: false },
      // The rate is not what is measured: high enough never to be the limit.
      bulk: { ratePerSecond: 1_000_000, concurrency: CONCURRENCY, maxUnrecorded: MAX_UNRECORDED, claimSize: 8 * CONCURRENCY, pollMs: 100 },
    },
  });
  try {
    // Persistent in the database file; Strapi's SQLite pool holds one connection.
    if (SQLITE_WAL) await app.strapi.db.connection.raw('pragma journal_mode = wal');
    await seedContacts(app);
    const idleTicks = await ticksWhile(app, () => false, 5);
    const bulk = service<BulkSends>(app, 'bulk-sends');
    const createStarted = Date.now();
    const created = await bulk.create({ channel: 'sms', body: 'Enrolment closes Friday, {{firstName}}.', sourceName: 'Bench', recipients: { filters: { lastName: { $eq: 'Cohort' } } } });
    const createMs = Date.now() - createStarted;
    let done = false;
    const sendStarted = Date.now();
    const busyTicks = ticksWhile(app, () => !done, 5);
    await watchUntilDone(app, bulk, created.id);
    const sendMs = Date.now() - sendStarted;
    done = true;
    const duringTicks = await busyTicks;
    const handedOver = (await twilio.handOffs()) - (idleTicks.length + duringTicks.length) * DUE_PER_TICK;
    const throughput = RECIPIENTS / (sendMs / 1000);
    const bound = CONCURRENCY / (LATENCY_MS / 1000);
    const database = process.env.BULK_BENCH_PG ? 'postgres' : 'sqlite';
    const idle = { median: median(idleTicks), p95: percentile(idleTicks, 95) };
    const during = { median: median(duringTicks), p95: percentile(duringTicks, 95) };
    const db = database === 'postgres' ? 'PostgreSQL' : 'SQLite';
    const rows: Row[] = [
      {
        db,
        scenario: `Bulk send, ${RECIPIENTS.toLocaleString('en-GB')} SMS, ${LATENCY_MS} ms transport, maxUnrecorded ${MAX_UNRECORDED}${SQLITE_WAL ? ', WAL' : ''}`,
        metric: 'hand-offs/s vs concurrency ÷ latency',
        value: `${Math.round(throughput)}/s (${round(sendMs / 1000, 1)} s)`,
        baseline: `${CONCURRENCY} ÷ ${LATENCY_MS / 1000} s = ${bound}`,
        ratio: round(throughput / bound),
        target: '≥ 0.8',
        met: throughput / bound >= 0.8,
      },
      {
        db,
        scenario: `Retrier tick (${DUE_PER_TICK} due) during that send`,
        metric: 'median / p95, during vs idle',
        value: `${Math.round(during.median)} / ${Math.round(during.p95)} ms`,
        baseline: `idle ${Math.round(idle.median)} / ${Math.round(idle.p95)} ms`,
        ratio: round(during.median / idle.median),
        target: 'report',
        met: null,
      },
    ];
    const results = {
      startedAt: new Date().toISOString(),
      commit: producedBy(),
      command: `npm run bench:bulk (${Object.entries(process.env).filter(([k]) => k.startsWith('BULK_BENCH_') && k !== 'BULK_BENCH_PG').map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults'})`,
      machine: machine(),
      rows,
      details: { database, recipients: RECIPIENTS, concurrency: CONCURRENCY, maxUnrecorded: MAX_UNRECORDED, latencyMs: LATENCY_MS, createMs, sendMs, handedOver, retrierTickMs: { idle, during } },
      seconds: Math.round((Date.now() - createStarted) / 1000),
    };
    console.log(JSON.stringify(results, null, 2));
    const file = path.join(ROOT, 'bench', 'results', bulkResultsFile(SQLITE_WAL ? 'sqlite-wal' : database, MAX_UNRECORDED));
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`written ${path.relative(ROOT, file)}; \`npm run bench:table\` puts it in the README`);
  } finally {
    await app.stop();
    await twilio.close();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
