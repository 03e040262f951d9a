/**
 * `npm run bench:bulk`: one bulk send of 50,000 SMS recipients through a transport with a fixed
 * 50 ms latency (a fake Twilio REST server on 127.0.0.1), on SQLite (or PostgreSQL when
 * BULK_BENCH_PG is a database URL; the database is wiped). Reports:
 *
 * - the send's throughput as a ratio of its concurrency bound (concurrency / latency: what
 *   `concurrency` hand-offs in flight at once could do if nothing else cost time); target ≥ 0.8;
 * - the retrier's tick time (20 due messages each tick) idle and while the send runs, so that a
 *   bulk send is seen not to starve the retrier;
 * - how long creating the send took (checked whole, then 50,000 messages queued).
 *
 * Environment: BULK_BENCH_RECIPIENTS (50000), BULK_BENCH_CONCURRENCY (16), BULK_BENCH_PG.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { databaseFromUrl, freePort, ROOT, startApp, type TestApp } from '../tests/helpers/app';
import { fakeTwilio } from '../tests/helpers/fake-twilio';
import { median, percentile } from './lib/stats';

const RECIPIENTS = Number(process.env.BULK_BENCH_RECIPIENTS ?? 50_000);
const CONCURRENCY = Number(process.env.BULK_BENCH_CONCURRENCY ?? 16);
const LATENCY_MS = 50;
const DUE_PER_TICK = 20;
const CONTACT = 'plugin::deliverability.contact';
const LOG = 'plugin::deliverability.delivery-log';

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

async function main(): Promise<void> {
  const twilio = await fakeTwilio(LATENCY_MS);
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
      bulk: { ratePerSecond: 1_000_000, concurrency: CONCURRENCY, claimSize: 8 * CONCURRENCY, pollMs: 100 },
    },
  });
  try {
    await seedContacts(app);
    const idleTicks = await ticksWhile(app, () => false, 5);
    const bulk = service<{ create(body: unknown): Promise<{ id: string }>; find(id: string): Promise<{ status: string; counts: Record<string, number> }> }>(app, 'bulk-sends');
    const createStarted = Date.now();
    const created = await bulk.create({ channel: 'sms', body: 'Enrolment closes Friday, {{firstName}}.', sourceName: 'Bench', recipients: { filters: { lastName: { $eq: 'Cohort' } } } });
    const createMs = Date.now() - createStarted;
    let done = false;
    const sendStarted = Date.now();
    const busyTicks = ticksWhile(app, () => !done, 5);
    while ((await bulk.find(created.id)).status !== 'done') await new Promise((resolve) => setTimeout(resolve, 500));
    const sendMs = Date.now() - sendStarted;
    done = true;
    const duringTicks = await busyTicks;
    const handedOver = [...twilio.receipts.values()].reduce((a, b) => a + b, 0) - (idleTicks.length + duringTicks.length) * DUE_PER_TICK;
    const throughput = RECIPIENTS / (sendMs / 1000);
    const bound = CONCURRENCY / (LATENCY_MS / 1000);
    const results = {
      at: new Date().toISOString(),
      database: process.env.BULK_BENCH_PG ? 'postgres' : 'sqlite',
      recipients: RECIPIENTS,
      concurrency: CONCURRENCY,
      latencyMs: LATENCY_MS,
      createMs,
      sendMs,
      handedOver,
      throughputPerSecond: Math.round(throughput),
      boundPerSecond: bound,
      ratioOfBound: Math.round((throughput / bound) * 100) / 100,
      retrierTickMs: {
        idle: { median: median(idleTicks), p95: percentile(idleTicks, 95) },
        duringBulkSend: { median: median(duringTicks), p95: percentile(duringTicks, 95) },
      },
    };
    console.log(JSON.stringify(results, null, 2));
    const file = path.join(ROOT, 'bench', 'results', `bulk-${results.database}-${results.at.slice(0, 10)}-${randomUUID().slice(0, 4)}.json`);
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`written ${path.relative(ROOT, file)}`);
  } finally {
    await app.stop();
    await twilio.close();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
