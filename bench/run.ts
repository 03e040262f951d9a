/**
 * `npm run bench`: intake, sending, the retrier, Full Logs and reports, on SQLite and (when
 * DELIVERABILITY_TEST_PG is set) PostgreSQL, each against baselines measured in the same run on
 * the same database. Prints a table and writes bench/results/<time>.json, compared with the
 * previous results file when there is one.
 *
 * Environment:
 *   BENCH_DB=sqlite|postgres|both   (default both; PostgreSQL only with DELIVERABILITY_TEST_PG)
 *   BENCH_SCALE=0.1                 shrinks every size (default 1: 1,000,000 logs, 100,000 students)
 *   BENCH_PROFILE=intake,sending    CPU profiles of those steps into .tmp/bench-profiles/
 *                                   (summarize one: node -r ./bench/register.js bench/profile-summary.ts <file>)
 *   BENCH_SQL=intake,retrier        time spent per SQL statement in those steps, printed and kept in the JSON
 *   BENCH_TRANSPORT_MS=0            a fixed latency added to every transport hand-off
 *   BENCH_COMPARE=path.json         the results to compare with (default: the newest in bench/results)
 *   BENCH_KEEP=1                    keep the benchmark apps and their SQLite files under .tmp/bench
 *   BENCH_PG_URL=postgres://…       the database to use (default: DELIVERABILITY_TEST_PG's server,
 *                                   database "<name>_bench", created when missing; it is wiped)
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { signSendgridBody } from '../server/src/providers/sendgrid/simulate';
import { freePort, ROOT, writeApp } from '../tests/helpers/app';
import { sandboxKeys } from '../tests/helpers/sandbox';
import { buildBatch, messagesFor, type BatchSpec } from './lib/batches';
import { StrapiChild } from './lib/child';
import { fullLogsStudents, HEAVY_CONTACTS, sizesFor, type Sizes } from './lib/dataset';
import { PeakTracker, readMemory } from './lib/memory';
import { compareWith, printTable, type Results, type Row } from './lib/report';
import { median, percentile, rate, round, since, sum, summarize, type Summary } from './lib/stats';

const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
/** CPU profiles are large and per machine: kept out of the repository, under .tmp. */
const PROFILES_DIR = path.join(ROOT, '.tmp', 'bench-profiles');
const WEBHOOK = '/api/deliverability/webhooks/sendgrid';

type Db = 'sqlite' | 'postgres';

interface StepMemory {
  /** RSS when the step started, its peak during the step, and the difference. */
  startMb: number;
  peakMb: number;
  growthMb: number;
  /** JS heap still in use after a full collection, after the step minus before it: what the step kept. */
  retainedMb: number;
}

interface Step<T> {
  result: T;
  memory: StepMemory;
  queries: number;
  ms: number;
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function post(port: number, pathname: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ms: since(started) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function pgUrl(): Promise<string | null> {
  if (process.env.BENCH_PG_URL) return process.env.BENCH_PG_URL;
  const test = process.env.DELIVERABILITY_TEST_PG;
  if (!test) return null;
  const url = new URL(test);
  const name = `${url.pathname.slice(1)}_bench`;
  // Its own database, because the benchmark wipes it: the tests' database is left alone.
  const admin = new Client({ connectionString: test });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`create database "${name.replace(/"/g, '')}"`);
  } catch (error) {
    throw new Error(`Could not create the benchmark database "${name}" (${(error as Error).message}). Create it, or set BENCH_PG_URL to a database the benchmark may wipe.`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${name}`;
  return url.toString();
}

async function wipe(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('drop schema if exists public cascade; create schema public;');
  } finally {
    await client.end();
  }
}

function databaseConfig(db: Db, dir: string, url: string | null): Record<string, unknown> | undefined {
  if (db === 'sqlite') return undefined; // the helper's default: a SQLite file in the app's .tmp
  const u = new URL(url!);
  return {
    client: 'postgres',
    connection: { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) },
    pool: { min: 0, max: 10 },
  };
}

function machine(): Record<string, string> {
  const cpu = os.cpus();
  return {
    cpu: `${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** The database servers' versions and settings, as the Strapi child sees them. */
const versions: Record<string, string> = {};

async function runDatabase(db: Db, sizes: Sizes, pg: string | null, profile: Set<string>, queryStats: Set<string>): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const started = Date.now();
  const keys = sandboxKeys();
  const port = await freePort();
  const dir = path.join(ROOT, '.tmp', 'bench', `${db}-${process.pid}-${Date.now()}`);
  if (db === 'postgres') await wipe(pg!);
  writeApp(dir, {
    port,
    database: databaseConfig(db, dir, pg),
    literalPluginConfig: true,
    pluginConfig: {
      publicUrl: `http://127.0.0.1:${port}`,
      providers: { sendgrid: { publicKey: keys.sendgridPublicKey } },
      // No SendGrid signing key for the sandbox: it accepts at once and sends no reports back, so
      // sending and retrier figures are the send path alone (reports are the intake benchmark).
      sending: { email: 'sandbox', sms: 'sandbox', sandbox: { reportDelayMs: 0 } },
      retrier: { enabled: false, batchSize: sizes.retrierDue, leaseSeconds: 900 },
    },
  });
  log(`${db}: booting Strapi (${dir})`);
  const child = await StrapiChild.start(dir, port, { BENCH_TRANSPORT_MS: process.env.BENCH_TRANSPORT_MS ?? '0' });
  const tracker = new PeakTracker(child.pid);
  versions[db] = await child.call<string>('dbVersion');
  const bootRss = readMemory(child.pid).rssMb;
  const rows: Row[] = [];
  const details: Record<string, unknown> = { db, port };
  const now = Date.now();

  async function step<T>(name: string, work: () => Promise<T>): Promise<Step<T>> {
    const heapBefore = await child.call<number>('gc');
    await child.call('queryCount');
    const profiling = profile.has(name) || profile.has(name.split('.')[0]);
    if (profiling) await child.call('profileStart');
    const sqlStats = queryStats.has(name) || queryStats.has(name.split('.')[0]);
    if (sqlStats) await child.call('queryStatsStart');
    tracker.start();
    const t = process.hrtime.bigint();
    const result = await work();
    const ms = since(t);
    const memory = tracker.stop();
    if (profiling) {
      const file = await child.call<string>('profileStop', { file: path.join(PROFILES_DIR, `${db}-${name}.cpuprofile`) });
      log(`${db}: CPU profile of ${name} in ${path.relative(ROOT, file)}`);
    }
    if (sqlStats) {
      const stats = await child.call<{ sql: string; n: number; ms: number; each: number }[]>('queryStatsStop', { top: 15 });
      details[`${name}.sql`] = stats;
      log(`${db}: time by SQL statement in ${name}:\n${stats.map((s) => `  ${String(s.ms).padStart(7)} ms ${String(s.n).padStart(7)}× ${String(s.each).padStart(7)} ms  ${s.sql}`).join('\n')}`);
    }
    const queries = await child.call<number>('queryCount');
    const heapAfter = await child.call<number>('gc');
    const out = { result, memory: { startMb: memory.startMb, peakMb: memory.peakMb, growthMb: memory.growthMb, retainedMb: heapAfter - heapBefore }, queries, ms: round(ms) };
    details[name] = out;
    return out;
  }

  try {
    // ---- The small database: students, their ledger, 10,000 logs.
    const seedC = await child.call<{ ms: number }>('seedContacts', { count: sizes.contacts, now });
    log(`${db}: seeded ${sizes.contacts} students and ${2 * sizes.contacts} ledger rows in ${Math.round(seedC.ms)} ms`);
    await child.call('seedLogs', { from: 1, to: sizes.smallLogs, contacts: sizes.contacts, bulk: false, now });
    let dueNext = 1;

    async function retrierFew(label: string): Promise<Step<{ samples: number[]; claimed: number[] }>> {
      return step(`retrier.few.${label}`, async () => {
        const samples: number[] = [];
        const claimed: number[] = [];
        for (let r = 0; r < sizes.retrierRepeats; r += 1) {
          await child.call('seedDue', { from: dueNext, to: dueNext + sizes.retrierFew - 1, contacts: sizes.contacts });
          dueNext += sizes.retrierFew;
          const tick = await child.call<{ ms: number; claimed: number }>('retrierTick');
          samples.push(tick.ms);
          claimed.push(tick.claimed);
        }
        return { samples, claimed };
      });
    }

    async function fullLogs(label: string, variants: ('service' | 'query' | 'raw' | 'documents')[], queries: number): Promise<Record<string, Summary>> {
      const students = fullLogsStudents(queries, sizes.contacts);
      const out: Record<string, Summary> = {};
      // Warm-up: the first queries pay for prepared statements and cold pages.
      await child.call('fullLogs', { variant: 'service', students: students.typical.slice(0, 20) });
      for (const variant of variants) {
        const s = await step(`fulllogs.${variant}.${label}`, () => child.call<{ samples: number[]; rows: number }>('fullLogs', { variant, students: students.typical }));
        out[variant] = summarize(s.result.samples);
      }
      const heavy = await step(`fulllogs.heavy.${label}`, () =>
        child.call<{ samples: number[] }>('fullLogs', { variant: 'service', students: [...students.heavy, ...students.heavy, ...students.heavy] }),
      );
      out.heavy = summarize(heavy.result.samples);
      return out;
    }

    /**
     * The plugin's batches over HTTP, each followed by the limit's bulk insert of the same number of
     * event rows: interleaved, so that a machine slowing down or speeding up affects both alike.
     */
    async function intake(pass: string, batches: number, firstMessage: number): Promise<Step<{ latencies: number[]; events: number; answers: Record<string, number>; raw: number[] }>> {
      await child.call('seedIntakeLogs', { from: firstMessage, to: firstMessage + messagesFor(batches) - 1, contacts: sizes.contacts });
      const specs: BatchSpec[] = Array.from({ length: batches }, (_, batch) => ({ pass, batch, firstMessage, contacts: sizes.contacts, events: sizes.batchEvents, now }));
      // Built and signed before the clock starts: the runner's own work is not the plugin's.
      const signed = specs.map((spec) => {
        const batch = buildBatch(spec);
        return { body: batch.body, headers: signSendgridBody(batch.body, keys.sendgridPrivateKey, Date.now()) };
      });
      return step(`intake.plugin.${pass}`, async () => {
        const latencies: number[] = [];
        const raw: number[] = [];
        const answers: Record<string, number> = {};
        let events = 0;
        for (const [i, request] of signed.entries()) {
          const limit = await child.call<{ samples: number[] }>('intakeRaw', { specs: [specs[i]] });
          raw.push(...limit.samples);
          const response = await post(port, WEBHOOK, request.body, request.headers);
          if (response.status !== 200) throw new Error(`intake answered ${response.status}: ${response.text.slice(0, 500)}`);
          latencies.push(response.ms);
          const body = JSON.parse(response.text) as Record<string, number>;
          for (const key of ['received', 'duplicates', 'applied', 'unchanged', 'unmatched', 'ignored']) answers[key] = (answers[key] ?? 0) + (body[key] ?? 0);
          events += sizes.batchEvents;
        }
        return { latencies, events, answers, raw };
      });
    }

    const fewSmall = await retrierFew('small');
    log(`${db}: retrier, ${sizes.retrierFew} due among ${sizes.smallLogs} logs: median ${round(median(fewSmall.result.samples))} ms`);
    const logsSmall = await fullLogs('small', ['service'], Math.min(100, sizes.fullLogsQueries));
    log(`${db}: Full Logs among ${sizes.smallLogs} logs: p95 ${logsSmall.service.p95} ms`);

    let intakeFirst = 1;
    const intakeSmall = await intake('small', sizes.intakeBatches, intakeFirst);
    intakeFirst += messagesFor(sizes.intakeBatches);
    const smallSpecs: BatchSpec[] = Array.from({ length: sizes.intakeBatches }, (_, batch) => ({ pass: 'small', batch, firstMessage: 1, contacts: sizes.contacts, events: sizes.batchEvents, now }));
    const naive = await step('intake.naive.small', () => child.call<{ events: number; samples: number[]; duplicates: number }>('intakeNaive', { specs: smallSpecs.slice(0, sizes.naiveBatches) }));
    const pluginRate = rate(intakeSmall.result.events, sum(intakeSmall.result.latencies));
    const rawRate = rate(intakeSmall.result.events, sum(intakeSmall.result.raw));
    const naiveRate = rate(naive.result.events, sum(naive.result.samples));
    log(`${db}: intake ${pluginRate} events/s (raw ${rawRate}, naive ${naiveRate}); answers ${JSON.stringify(intakeSmall.result.answers)}`);

    // ---- The large database: up to 1,000,000 logs, each with its attempt event.
    const logsBefore = (await child.call<Record<string, number>>('counts')).logs;
    const seedL = await child.call<{ ms: number }>('seedLogs', { from: sizes.smallLogs + 1, to: sizes.smallLogs + Math.max(0, sizes.logs - logsBefore), contacts: sizes.contacts, bulk: true, now });
    const counts = await child.call<Record<string, number>>('counts');
    details.counts = counts;
    log(`${db}: seeded to ${JSON.stringify(counts)} in ${Math.round(seedL.ms)} ms`);

    const fewLarge = await retrierFew('large');
    log(`${db}: retrier, ${sizes.retrierFew} due among ${counts.logs} logs: median ${round(median(fewLarge.result.samples))} ms`);
    await child.call('seedDue', { from: dueNext, to: dueNext + sizes.retrierDue - 1, contacts: sizes.contacts });
    dueNext += sizes.retrierDue;
    const dueTick = await step('retrier.many.large', () => child.call<{ ms: number; claimed: number; sent: number; failed: number }>('retrierTick'));
    log(`${db}: retrier, ${sizes.retrierDue} due: ${Math.round(dueTick.result.ms)} ms, claimed ${dueTick.result.claimed}`);

    const sendFrom = Math.max(HEAVY_CONTACTS + 1, Math.min(1_001, sizes.contacts - sizes.sends + 1));
    const send = await step('sending.plugin.large', () =>
      child.call<{ ms: number; latency: Summary; statuses: Record<string, number> }>('send', { from: sendFrom, count: sizes.sends, concurrency: sizes.sendConcurrency, tag: 'plugin' }),
    );
    const sendRaw = await step('sending.raw.large', () => child.call<{ ms: number }>('sendRaw', { from: sendFrom, count: sizes.sends, concurrency: sizes.sendConcurrency, tag: 'raw' }));
    log(`${db}: sending ${rate(sizes.sends, send.result.ms)} msg/s (raw ${rate(sizes.sends, sendRaw.result.ms)}); ${JSON.stringify(send.result.statuses)}`);

    const logsLarge = await fullLogs('large', ['service', 'query', 'raw', 'documents'], sizes.fullLogsQueries);
    log(`${db}: Full Logs among ${counts.logs} logs: p95 ${logsLarge.service.p95} ms (query ${logsLarge.query.p95}, raw ${logsLarge.raw.p95}, documents ${logsLarge.documents.p95}; heavy ${logsLarge.heavy.p95})`);
    await child.call('reports', { repeats: 3, now });
    const reports = await step('reports.large', () => child.call<{ samples: number[]; total: number }>('reports', { repeats: sizes.reportQueries, now }));
    log(`${db}: reports p95 ${round(percentile(reports.result.samples, 95))} ms over ${reports.result.total} messages`);

    const intakeLarge = await intake('large', sizes.intakeBatchesLarge, intakeFirst);
    const largeSpecs: BatchSpec[] = Array.from({ length: sizes.intakeBatchesLarge }, (_, batch) => ({ pass: 'large', batch, firstMessage: intakeFirst, contacts: sizes.contacts, events: sizes.batchEvents, now }));
    const naiveLarge = await step('intake.naive.large', () => child.call<{ events: number; samples: number[]; duplicates: number }>('intakeNaive', { specs: largeSpecs.slice(0, sizes.naiveBatches) }));
    const naiveRateLarge = rate(naiveLarge.result.events, sum(naiveLarge.result.samples));
    const pluginRateLarge = rate(intakeLarge.result.events, sum(intakeLarge.result.latencies));
    const rawRateLarge = rate(intakeLarge.result.events, sum(intakeLarge.result.raw));
    log(`${db}: intake among ${counts.events} events: ${pluginRateLarge} events/s (raw ${rawRateLarge}, naive ${naiveRateLarge}); answers ${JSON.stringify(intakeLarge.result.answers)}`);

    // ---- The table.
    const lat = (s: Step<{ latencies: number[] }>) => `${round(median(s.result.latencies), 0)} / ${round(percentile(s.result.latencies, 99), 0)} ms`;
    const smallN = sizes.smallLogs.toLocaleString('en-GB');
    const largeN = counts.logs.toLocaleString('en-GB');
    const fewS = median(fewSmall.result.samples);
    const fewL = median(fewLarge.result.samples);
    const mem = (s: Step<unknown>) => `${s.memory.peakMb} MB (+${s.memory.growthMb}; kept ${s.memory.retainedMb})`;
    const memoryOk = (a: Step<unknown>, b: Step<unknown>) => b.memory.growthMb <= a.memory.growthMb + 32;
    rows.push(
      { db, scenario: `Intake, ${smallN} logs`, metric: 'events/s (batch median / p99)', value: `${pluginRate} (${lat(intakeSmall)})`, baseline: `raw insert ${rawRate}`, ratio: round(pluginRate / rawRate), target: '≥ 0.25 of raw', met: pluginRate / rawRate >= 0.25 },
      { db, scenario: `Intake, ${smallN} logs`, metric: 'vs naive peer', value: `${pluginRate}`, baseline: `naive ${naiveRate}`, ratio: round(pluginRate / naiveRate, 1), target: '≥ 20× naive', met: pluginRate / naiveRate >= 20 },
      { db, scenario: `Intake, ${largeN} logs`, metric: 'events/s (batch median / p99)', value: `${pluginRateLarge} (${lat(intakeLarge)})`, baseline: `raw insert ${rawRateLarge}`, ratio: round(pluginRateLarge / rawRateLarge), target: '≥ 0.25 of raw', met: pluginRateLarge / rawRateLarge >= 0.25 },
      { db, scenario: `Intake, ${largeN} logs`, metric: 'vs naive peer', value: `${pluginRateLarge}`, baseline: `naive ${naiveRateLarge}`, ratio: round(pluginRateLarge / naiveRateLarge, 1), target: '≥ 20× naive', met: pluginRateLarge / naiveRateLarge >= 20 },
      { db, scenario: `Sending ${sizes.sends.toLocaleString('en-GB')}, ${largeN} logs`, metric: `msg/s (${sizes.sendConcurrency} callers; one send's median / p99)`, value: `${rate(sizes.sends, send.result.ms)} (${round(send.result.latency.median, 1)} / ${round(send.result.latency.p99, 1)} ms)`, baseline: `raw rows ${rate(sizes.sends, sendRaw.result.ms)}`, ratio: round(sendRaw.result.ms / send.result.ms), target: 'report', met: null },
      { db, scenario: `Retrier, ${sizes.retrierFew} due`, metric: `tick median, ${largeN} vs ${smallN} logs`, value: `${round(fewL, 1)} ms`, baseline: `${round(fewS, 1)} ms`, ratio: round(fewL / fewS), target: '< 2×', met: fewL / fewS < 2 },
      { db, scenario: `Retrier, ${sizes.retrierDue.toLocaleString('en-GB')} due`, metric: `one tick, ${largeN} logs (cost a message vs the ${sizes.retrierFew}-due tick)`, value: `${round(dueTick.result.ms / 1000, 1)} s (${rate(dueTick.result.claimed, dueTick.result.ms)} msg/s)`, baseline: `${round(fewL, 1)} ms for ${sizes.retrierFew}`, ratio: round(dueTick.result.ms / dueTick.result.claimed / (fewL / sizes.retrierFew)), target: 'cost ∝ due', met: null },
      { db, scenario: `Full Logs, ${largeN} logs`, metric: 'page + count, median / p95', value: `${logsLarge.service.median} / ${logsLarge.service.p95} ms`, baseline: `raw ${logsLarge.raw.median} / ${logsLarge.raw.p95}`, ratio: round(logsLarge.service.p95 / logsLarge.raw.p95, 1), target: db === 'sqlite' ? 'p95 < 20 ms' : 'report', met: db === 'sqlite' ? logsLarge.service.p95 < 20 : null },
      { db, scenario: `Full Logs, ${largeN} logs`, metric: 'Query Engine / Document Service p95', value: `${logsLarge.query.p95} ms`, baseline: `documents ${logsLarge.documents.p95}`, ratio: round(logsLarge.documents.p95 / logsLarge.query.p95, 1), target: 'report', met: null },
      { db, scenario: `Full Logs, heavy student`, metric: 'median / p95 (1,000 msgs)', value: `${logsLarge.heavy.median} / ${logsLarge.heavy.p95} ms`, baseline: `${smallN} logs: ${logsSmall.heavy.p95}`, ratio: null, target: db === 'sqlite' ? 'p95 < 20 ms' : 'report', met: db === 'sqlite' ? logsLarge.heavy.p95 < 20 : null },
      { db, scenario: 'Reports, 30 days', metric: 'median / p95', value: `${round(median(reports.result.samples), 1)} / ${round(percentile(reports.result.samples, 95), 1)} ms`, baseline: `${reports.result.total.toLocaleString('en-GB')} msgs`, ratio: null, target: 'report', met: null },
      { db, scenario: 'Memory: intake', metric: `peak RSS (+growth; heap kept), ${smallN} → ${largeN}`, value: mem(intakeLarge), baseline: mem(intakeSmall), ratio: null, target: 'no growth', met: memoryOk(intakeSmall, intakeLarge) },
      { db, scenario: 'Memory: retrier tick', metric: `peak RSS (+growth; heap kept), ${smallN} → ${largeN}`, value: mem(fewLarge), baseline: mem(fewSmall), ratio: null, target: 'no growth', met: memoryOk(fewSmall, fewLarge) },
      { db, scenario: 'Memory: Full Logs', metric: `peak RSS (+growth; heap kept), ${smallN} → ${largeN}`, value: mem(details['fulllogs.service.large'] as Step<unknown>), baseline: mem(details['fulllogs.service.small'] as Step<unknown>), ratio: null, target: 'no growth', met: memoryOk(details['fulllogs.service.small'] as Step<unknown>, details['fulllogs.service.large'] as Step<unknown>) },
      { db, scenario: 'Memory: sending / 10k tick', metric: 'peak RSS (+growth; heap kept)', value: mem(send), baseline: mem(dueTick), ratio: null, target: 'report', met: null },
    );
    const runPeak = tracker.runPeakMb();
    rows.push({ db, scenario: 'Memory: the whole run', metric: 'peak RSS of the Strapi process', value: `${runPeak} MB`, baseline: `after boot ${bootRss} MB`, ratio: null, target: 'report', met: null });
    details.runPeakMb = runPeak;
    details.seconds = Math.round((Date.now() - started) / 1000);
    details.queriesPerBatch = { small: round(intakeSmall.queries / sizes.intakeBatches, 0), large: round(intakeLarge.queries / sizes.intakeBatchesLarge, 0) };
    details.queriesPerSend = round(send.queries / sizes.sends, 1);
    details.queriesPerRetriedMessage = round(dueTick.queries / Math.max(1, dueTick.result.claimed), 1);
    return { rows, details };
  } finally {
    await child.stop();
    if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'server'))) throw new Error('The plugin is not built: run `npm run build` first (npm run bench does).');
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  if (!(scale > 0)) throw new Error('BENCH_SCALE must be a number greater than 0');
  const sizes = sizesFor(scale);
  const which = (process.env.BENCH_DB ?? 'both').toLowerCase();
  if (!['sqlite', 'postgres', 'both'].includes(which)) throw new Error('BENCH_DB must be sqlite, postgres or both');
  const names = (variable: string) => new Set((process.env[variable] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  const profile = names('BENCH_PROFILE');
  const queryStats = names('BENCH_SQL');
  const dbs: Db[] = which === 'both' ? ['sqlite', 'postgres'] : [which as Db];
  const pg = dbs.includes('postgres') ? await pgUrl() : null;
  const skipped: string[] = [];
  if (dbs.includes('postgres') && !pg) {
    skipped.push('postgres');
    console.log('PostgreSQL skipped: set DELIVERABILITY_TEST_PG to a PostgreSQL URL to run it (`bash .ci/postgres.sh` starts one and prints it).');
  }
  const results: Results = {
    startedAt: new Date().toISOString(),
    command: `${Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')).map(([k, v]) => `${k}=${v} `).join('')}npm run bench`,
    machine: machine(),
    sizes,
    transportMs: Number(process.env.BENCH_TRANSPORT_MS ?? 0),
    skipped,
    rows: [],
    details: {},
  };
  const t = Date.now();
  for (const db of dbs) {
    if (db === 'postgres' && !pg) continue;
    const { rows, details } = await runDatabase(db, sizes, pg, profile, queryStats);
    results.rows.push(...rows);
    results.details[db] = details;
  }
  results.seconds = Math.round((Date.now() - t) / 1000);
  Object.assign(results.machine, versions);
  printTable(results);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const previous = compareWith(RESULTS_DIR, sizes.scale, process.env.BENCH_COMPARE);
  const file = path.join(RESULTS_DIR, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  if (previous) previous.print(results);
  console.log(`\nResults: ${path.relative(process.cwd(), file)} (${results.seconds} s)`);
  agent.destroy();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
