/**
 * `npm run bench`: intake, sending, the retrier, Full Logs and reports, on SQLite and (when
 * DELIVERABILITY_TEST_PG is set) PostgreSQL, each against baselines measured in the same run on
 * the same database. Prints a table and writes bench/results/<db>-<scale>.json, compared first
 * with the file it replaces; `npm run bench:table` writes the README's table from those files.
 *
 * Environment:
 *   BENCH_DB=sqlite|postgres|both   (default both; PostgreSQL only with DELIVERABILITY_TEST_PG)
 *   BENCH_SCALE=0.1                 shrinks every size (default 1: 1,000,000 logs, 100,000 students;
 *                                   10: 10,000,000 logs, the work measured staying that of 1)
 *   BENCH_PROFILE=intake,sending    CPU profiles of those steps into .tmp/bench-profiles/
 *                                   (summarize one: node -r ./bench/register.js bench/profile-summary.ts <file>)
 *   BENCH_SQL=intake,retrier        time spent per SQL statement in those steps, printed and kept in the JSON
 *   BENCH_INTAKE_ARMS=plugin        only those intake arms (plugin, ideal, floor, naive): to profile one alone
 *   BENCH_TRANSPORT_MS=0            a fixed latency added to every transport hand-off
 *   BENCH_SQLITE_CACHE_MB=64        SQLite's page cache for the plugin's Strapi (default:
 *                                   better-sqlite3's 16,000 KiB, as Strapi leaves it)
 *   BENCH_COMPARE=path.json         the results to compare with (default: the file this run replaces)
 *   BENCH_KEEP=1                    keep the benchmark apps and their SQLite files under .tmp/bench
 *   BENCH_PG_URL=postgres://…       the database to use (default: DELIVERABILITY_TEST_PG's server,
 *                                   database "<name>_bench", created when missing; it is wiped)
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Client } from 'pg';
import { signSendgridBody } from '../server/src/providers/sendgrid/simulate';
import { freePort, ROOT, writeApp } from '../tests/helpers/app';
import { sandboxKeys } from '../tests/helpers/sandbox';
import { buildBatch, messagesFor, type BatchSpec } from './lib/batches';
import { StrapiChild } from './lib/child';
import { fullLogsStudents, HEAVY_CONTACTS, sizesFor, type Sizes } from './lib/dataset';
import { PeakTracker, readMemory } from './lib/memory';
import { readIntoOsCache, unwrittenMb } from './lib/os-cache';
import { describeIntake, describePhases, FULL_LOGS_VARIANTS, INTAKE_MEMORY_BATCHES, LATENCY_MS, newIntakeArms, RESEND_INSERT_BATCH, type ArmSamples, type FullLogsVariant, type IntakeArm, type IntakeArms, type IntakeMemory, type ResendingResult, type Step, type TickAnswer } from './lib/arms';
import { compareWith, machine, printTable, producedBy, resultsFile, type Results, type Row } from './lib/report';
import { resultRows } from './lib/result-rows';
import { median, percentile, rate, round, since, summarize, type Summary } from './lib/stats';

const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
/** CPU profiles are large and per machine: kept out of the repository, under .tmp. */
const PROFILES_DIR = path.join(ROOT, '.tmp', 'bench-profiles');
const WEBHOOK = '/api/deliverability/webhooks/sendgrid';
/** BENCH_INTAKE_ARMS=plugin: only those intake arms run (to profile one alone; the others' rows are then empty). */
const intakeArms = new Set((process.env.BENCH_INTAKE_ARMS ?? 'plugin,ideal,floor,naive').split(',').map((arm) => arm.trim()));
/** Students read once by every Full Logs arm before the clock starts (not the measured ones). */
const FULL_LOGS_WARM_UP = 20;

type Db = 'sqlite' | 'postgres';

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// Idle sockets are dropped after 4 s, before Strapi's server closes them (its keep-alive timeout is
// 5 s): a batch posted on a socket the server is closing fails with "socket hang up" (seen after
// the naive peer's 20-second stretches).
const agent = new http.Agent({ keepAlive: true, maxSockets: 8, timeout: 4000 });

/** A seeding step's answer: its time, and how long the checkpoint after it took (null: none, see settle() in lib/seed.ts). */
interface Seeded {
  ms: number;
  checkpointMs: number | null;
  refused?: string;
}

function settled(seeded: Seeded): string {
  if (seeded.refused) return `; no checkpoint after it (${seeded.refused}), so its writes may still be going to disk`;
  return seeded.checkpointMs === null ? '' : `, then ${seeded.checkpointMs} ms to checkpoint`;
}

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

/** Posts a signed intake batch; any answer but 200 stops the run, as every figure after it would be wrong. */
async function postIntake(port: number, body: string, headers: Record<string, string>): Promise<{ status: number; text: string; ms: number }> {
  const response = await post(port, WEBHOOK, body, headers);
  if (response.status !== 200) throw new Error(`intake answered ${response.status}: ${response.text.slice(0, 500)}`);
  return response;
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

/** The database servers' versions and settings, as the Strapi child sees them. */
const versions: Record<string, string> = {};

async function runDatabase(db: Db, sizes: Sizes, pg: string | null, profile: Set<string>, queryStats: Set<string>): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const started = Date.now();
  const transportMs = Number(process.env.BENCH_TRANSPORT_MS ?? 0);
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
      // 32 hand-offs in flight: the re-send arms measure the batched path, whose records hold as
      // many outcomes as there are hand-offs in flight (the default, 4, suits a small site).
      retrier: { enabled: false, batchSize: sizes.retrierDue, leaseSeconds: 900, concurrency: 32 },
    },
  });
  log(`${db}: booting Strapi (${dir})`);
  const child = await StrapiChild.start(dir, port, { BENCH_TRANSPORT_MS: String(transportMs) });
  // The naive peer runs in a Strapi of its own on the same database: its Document Service garbage
  // is then not counted in the plugin's memory, nor are its collector's pauses in the plugin's time.
  const naivePeer = intakeArms.has('naive')
    ? await StrapiChild.start(dir, await freePort(), { BENCH_TRANSPORT_MS: String(transportMs) })
        .then(async (peer) => {
          await peer.call('holdTimers');
          return peer;
        })
        .catch(async (error: unknown) => {
          await child.stop();
          throw error;
        })
    : null;
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
    const heap = await child.call<{ heapTotalMb: number; outsideHeapMb: number }>('heap');
    const heapAfter = await child.call<number>('gc');
    const out = { result, memory: { startMb: memory.startMb, peakMb: memory.peakMb, growthMb: memory.growthMb, retainedMb: heapAfter - heapBefore, ...heap }, queries, ms: round(ms) };
    details[name] = out;
    return out;
  }

  try {
    // ---- The small database: students, their ledger, 10,000 logs.
    const seedC = await child.call<Seeded>('seedContacts', { count: sizes.contacts, now });
    details.checkpointAfterSeeding = { contacts: seedC.checkpointMs };
    log(`${db}: seeded ${sizes.contacts} students and ${2 * sizes.contacts} ledger rows in ${Math.round(seedC.ms)} ms${settled(seedC)}`);
    // The small database's logs belong to its first students, about ten each (see Sizes.smallContacts).
    await child.call('seedLogs', { from: 1, to: sizes.smallLogs, contacts: sizes.smallContacts, bulk: false, now });
    let dueNext = 1;
    const seedDue = async (count: number) => {
      await child.call('seedDue', { from: dueNext, to: dueNext + count - 1, contacts: sizes.contacts });
      dueNext += count;
    };

    async function retrierFew(label: string): Promise<Step<{ samples: number[]; claimed: number[] }>> {
      // One tick before the clock, at both sizes: the first pays for prepared statements and cold pages.
      await seedDue(sizes.retrierFew);
      await child.call('retrierTick');
      return step(`retrier.few.${label}`, async () => {
        const samples: number[] = [];
        const claimed: number[] = [];
        for (let r = 0; r < sizes.retrierRepeats; r += 1) {
          await seedDue(sizes.retrierFew);
          const tick = await child.call<{ ms: number; claimed: number }>('retrierTick');
          samples.push(tick.ms);
          claimed.push(tick.claimed);
        }
        return { samples, claimed };
      });
    }

    /**
     * The Full Logs page and its raw, Query Engine and Document Service peers, student by student
     * in turn (the order rotating), after one round of each on other students: every arm reads
     * equally warm data. On SQLite the database file is read into the operating system's cache
     * first, at both sizes, so that the large size is as warm as the small one (which fits in
     * SQLite's own cache): the ratio is then the plugin's reads on larger tables, not the disk.
     * The page is also timed before that, on other students, and reported as `asFound`.
     */
    async function fullLogs(label: 'small' | 'large', variants: FullLogsVariant[]): Promise<Record<string, Summary>> {
      // Students with about ten messages at either size: among the small database's students, and
      // past them in the large one (the small one's students have its messages as well).
      const [from, to] = label === 'small' ? [HEAVY_CONTACTS + 1, sizes.smallContacts] : [sizes.smallContacts + 1, sizes.contacts];
      const asFoundCount = Math.ceil(sizes.fullLogsQueries / 3);
      const all = fullLogsStudents(FULL_LOGS_WARM_UP + asFoundCount + sizes.fullLogsQueries, from, to);
      const [warmUp, asFoundStudents, measured] = [all.typical.slice(0, FULL_LOGS_WARM_UP), all.typical.slice(FULL_LOGS_WARM_UP, FULL_LOGS_WARM_UP + asFoundCount), all.typical.slice(FULL_LOGS_WARM_UP + asFoundCount)];
      await child.call('fullLogs', { variants, students: warmUp });
      const out: Record<string, Summary> = {};
      // The page as the run left the data, then with the database's files read into the OS's cache
      // (the small database already sits in the database's own cache): the arms then read memory
      // at both sizes, and the ratio is the plugin's reads on larger tables, not the disk.
      const asFound = await child.call<{ samples: Record<string, number[]> }>('fullLogs', { variants: ['service'], students: asFoundStudents });
      out.asFound = summarize(asFound.samples.service);
      const read: { bytes: number; ms: number; refused?: string } =
        db === 'sqlite' ? await readIntoOsCache(path.join(dir, '.tmp', 'data.db')) : await child.call('prewarm');
      details[`fulllogs.${label}.osCache`] = read;
      log(read.refused ? `${db}: the database's files were not read into the OS's cache (${read.refused})` : `${db}: read the database's files (${Math.round(read.bytes / 1e6)} MB) into the OS's cache in ${Math.round(read.ms)} ms`);
      const s = await step(`fulllogs.${label}`, () => child.call<{ samples: Record<string, number[]> }>('fullLogs', { variants, students: measured }));
      for (const [variant, samples] of Object.entries(s.result.samples)) out[variant] = summarize(samples);
      await child.call('fullLogs', { variants: ['service'], students: all.heavy });
      const heavy = await step(`fulllogs.heavy.${label}`, () => child.call<{ samples: Record<string, number[]> }>('fullLogs', { variants: ['service'], students: [...all.heavy, ...all.heavy, ...all.heavy] }));
      out.heavy = summarize(heavy.result.samples.service);
      return out;
    }

    async function reports(label: string): Promise<Step<{ samples: number[]; total: number }>> {
      // The seeding wrote messages behind the plugin's back (and the sends since wrote their own counts).
      const recount = await child.call<{ ms: number; messages: number }>('recountReports', {});
      log(`${db}: report counts recounted from ${recount.messages} messages in ${Math.round(recount.ms)} ms`);
      await child.call('reports', { repeats: 3, now });
      return step(`reports.${label}`, () => child.call<{ samples: number[]; total: number }>('reports', { repeats: sizes.reportQueries, now }));
    }

    /**
     * The plugin's intake alone, a batch at a time, for its memory: each batch starts after a full
     * garbage collection with the high-water mark reset, so its peak is that batch's own working
     * set. The intake pass's peak (the step's memory) also holds the ideal arm's and the floor's
     * work, which run in the same process, and whatever garbage the collector has not yet reached,
     * so it moves by tens of megabytes from run to run at either size. A batch's RSS moves only when
     * it needs more than the heap V8 keeps after a collection; the JS heap in use at its peak (just
     * before a collection during the batch, or at its end) shows what it holds, garbage included.
     */
    async function intakeMemory(label: string, firstMessage: number): Promise<IntakeMemory> {
      await child.call('seedIntakeLogs', { from: firstMessage, to: firstMessage + messagesFor(INTAKE_MEMORY_BATCHES) - 1, contacts: sizes.contacts });
      const out: IntakeMemory = { growthMb: [], peakMb: [], heapGrowthMb: [], heapPeakMb: [] };
      for (let batch = 0; batch < INTAKE_MEMORY_BATCHES; batch += 1) {
        const body = buildBatch({ pass: `memory-${label}`, arm: 'plugin', batch, firstMessage, contacts: sizes.contacts, events: sizes.batchEvents, now }).body;
        const headers = signSendgridBody(body, keys.sendgridPrivateKey, Date.now());
        const heapStart = await child.call<number>('gc');
        await child.call('heapPeakStart');
        tracker.start();
        await postIntake(port, body, headers);
        const memory = tracker.stop();
        const heapPeak = await child.call<number>('heapPeakStop');
        out.growthMb.push(memory.growthMb);
        out.peakMb.push(memory.peakMb);
        out.heapGrowthMb.push(heapPeak - heapStart);
        out.heapPeakMb.push(heapPeak);
      }
      details[`intake.memory.${label}`] = out;
      return out;
    }

    /**
     * One pass of intake: the plugin's batches over HTTP, the ideal arm's, the insert-only floor's
     * and (every few batches) the naive peer's, interleaved batch by batch in a rotating order, so
     * that a machine slowing down or speeding up, and the data warming up, affect every arm alike.
     * Each arm has its own messages, seeded together before the pass, so each does the same work.
     */
    async function intake(pass: string, batches: number, firstMessage: number): Promise<Step<IntakeArms>> {
      const per = messagesFor(batches);
      const naiveBatches = Math.min(sizes.naiveBatches, batches);
      const first: Record<IntakeArm, number> = { plugin: firstMessage, ideal: firstMessage + per, naive: firstMessage + 2 * per, floor: firstMessage };
      await child.call('seedIntakeLogs', { from: firstMessage, to: firstMessage + 2 * per + messagesFor(naiveBatches) - 1, contacts: sizes.contacts });
      const spec = (arm: IntakeArm, batch: number): BatchSpec => ({ pass, arm, batch, firstMessage: first[arm], contacts: sizes.contacts, events: sizes.batchEvents, now });
      // Built and signed before the clock starts: the runner's own work is not the plugin's.
      const signed = Array.from({ length: batches }, (_, batch) => {
        const body = buildBatch(spec('plugin', batch)).body;
        return { body, headers: signSendgridBody(body, keys.sendgridPrivateKey, Date.now()) };
      });
      const naiveEvery = Math.max(1, Math.floor(batches / naiveBatches));
      return step(`intake.${pass}`, async () => {
        const arms = newIntakeArms();
        const run: Record<IntakeArm, (batch: number) => Promise<void>> = {
          plugin: async (batch) => {
            await child.call('queryCount');
            const response = await postIntake(port, signed[batch].body, signed[batch].headers);
            arms.pluginQueries += await child.call<number>('queryCount');
            arms.plugin.samples.push(response.ms);
            arms.plugin.events += sizes.batchEvents;
            const body = JSON.parse(response.text) as Record<string, number>;
            for (const key of ['received', 'duplicates', 'applied', 'unchanged', 'unmatched', 'ignored']) arms.answers[key] = (arms.answers[key] ?? 0) + (body[key] ?? 0);
            arms.plugin.duplicates += body.duplicates ?? 0;
          },
          ideal: (batch) => childArm(arms.ideal, 'intakeIdeal', spec('ideal', batch)),
          floor: (batch) => childArm(arms.floor, 'intakeRaw', spec('floor', batch)),
          naive: async (batch) => {
            // The plugin's process holds its timers while the naive peer's writes (see the worker's holdTimers).
            await child.call('holdTimers');
            try {
              await childArm(arms.naive, 'intakeNaive', spec('naive', batch / naiveEvery), naivePeer!);
            } finally {
              await child.call('startTimers');
            }
          },
        };
        for (let batch = 0; batch < batches; batch += 1) {
          const naiveNow = batch % naiveEvery === 0 && batch / naiveEvery < naiveBatches;
          const order = (['plugin', 'ideal', 'floor', 'naive'] as IntakeArm[]).filter((arm) => intakeArms.has(arm) && (arm !== 'naive' || naiveNow));
          for (let k = 0; k < order.length; k += 1) await run[order[(batch + k) % order.length]](batch);
        }
        return arms;
      });
    }

    async function childArm(arm: ArmSamples, cmd: string, spec: BatchSpec, runner: StrapiChild = child): Promise<void> {
      const out = await runner.call<{ events: number; duplicates: number; samples: number[] }>(cmd, { specs: [spec] });
      arm.samples.push(...out.samples);
      arm.events += out.events;
      arm.duplicates += out.duplicates ?? 0;
    }

    /**
     * Re-sending: one tick with `retrierDue` due messages and an instant transport, against the
     * database inserting the same rows (a log and its attempt event a message) in batches; then a
     * tick with a transport that answers after 50 ms, against `concurrency / 0.05 s`.
     */
    async function resending(): Promise<ResendingResult> {
      await seedDue(sizes.retrierDue);
      const unwritten = (name: string) => {
        const mb = unwrittenMb();
        details[`${name}.unwrittenMbBefore`] = mb;
        return mb === null ? '' : `; ${mb} MB of the OS's page cache unwritten before it`;
      };
      const before = unwritten('retrier.many.large');
      const tick = await step('retrier.many.large', () => child.call<TickAnswer>('retrierTick'));
      log(`${db}: retrier, ${sizes.retrierDue} due: ${Math.round(tick.result.ms)} ms, claimed ${tick.result.claimed}${before}`);
      const insert = await step('retrier.rows.large', () => child.call<{ ms: number }>('insertSentRows', { count: sizes.retrierDue, batch: RESEND_INSERT_BATCH, tag: 'resend' }));
      const concurrency = await child.call<number>('retrierConcurrency');
      const slowTick = async (name: string, maxUnrecorded: number) => {
        await seedDue(sizes.latencyDue);
        await child.call('setTransportLatency', { ms: LATENCY_MS });
        const slowBefore = unwritten(name);
        const slow = await step(name, () => child.call<TickAnswer>('retrierTick', { maxUnrecorded })).finally(() => child.call('setTransportLatency', { ms: transportMs }));
        log(`${db}: retrier, ${sizes.latencyDue} due at ${LATENCY_MS} ms a hand-off: ${Math.round(slow.result.ms)} ms (concurrency ${concurrency}, maxUnrecorded ${maxUnrecorded})${slowBefore}${describePhases(slow.result.handOffs)}`);
        return slow;
      };
      // The default (a slot waits for its answer's record), then answers allowed to wait (retrier.maxUnrecorded).
      const slow = await slowTick('retrier.latency.large', 0);
      const slowOverlapped = await slowTick('retrier.latency-overlapped.large', concurrency);
      return { tick, insert, slow, slowOverlapped, concurrency };
    }

    const fewSmall = await retrierFew('small');
    log(`${db}: retrier, ${sizes.retrierFew} due among ${sizes.smallLogs} logs: median ${round(median(fewSmall.result.samples))} ms`);
    const logsSmall = await fullLogs('small', FULL_LOGS_VARIANTS);
    log(`${db}: Full Logs among ${sizes.smallLogs} logs: p95 ${logsSmall.service.p95} ms`);
    const reportsSmall = await reports('small');

    let intakeFirst = 1;
    const intakeSmall = await intake('small', sizes.intakeBatches, intakeFirst);
    intakeFirst += 3 * messagesFor(sizes.intakeBatches);
    log(`${db}: intake ${describeIntake(intakeSmall.result)}`);
    const intakeMemorySmall = await intakeMemory('small', intakeFirst);
    intakeFirst += messagesFor(INTAKE_MEMORY_BATCHES);

    // ---- The large database: 1,000,000 logs (10,000,000 at BENCH_SCALE=10), each with its attempt event.
    const logsBefore = (await child.call<Record<string, number>>('counts')).logs;
    const seedL = await child.call<Seeded>('seedLogs', { from: sizes.smallLogs + 1, to: sizes.smallLogs + Math.max(0, sizes.logs - logsBefore), contacts: sizes.contacts, bulk: true, now });
    const counts = await child.call<Record<string, number>>('counts');
    details.counts = counts;
    details.checkpointAfterSeeding = { ...(details.checkpointAfterSeeding as object), logs: seedL.checkpointMs };
    log(`${db}: seeded to ${JSON.stringify(counts)} in ${Math.round(seedL.ms)} ms${settled(seedL)}`);

    const fewLarge = await retrierFew('large');
    log(`${db}: retrier, ${sizes.retrierFew} due among ${counts.logs} logs: median ${round(median(fewLarge.result.samples))} ms`);
    const resend = await resending();

    const sendFrom = Math.max(HEAVY_CONTACTS + 1, Math.min(1_001, sizes.contacts - sizes.sends + 1));
    const send = await step('sending.plugin.large', () =>
      child.call<{ ms: number; latency: Summary; statuses: Record<string, number> }>('send', { from: sendFrom, count: sizes.sends, concurrency: sizes.sendConcurrency, tag: 'plugin' }),
    );
    const sendRaw = await step('sending.raw.large', () => child.call<{ ms: number }>('sendRaw', { from: sendFrom, count: sizes.sends, concurrency: sizes.sendConcurrency, tag: 'raw' }));
    log(`${db}: sending ${rate(sizes.sends, send.result.ms)} msg/s (raw ${rate(sizes.sends, sendRaw.result.ms)}); ${JSON.stringify(send.result.statuses)}`);

    const logsLarge = await fullLogs('large', FULL_LOGS_VARIANTS);
    log(`${db}: Full Logs among ${counts.logs} logs: p95 ${logsLarge.service.p95} ms (query ${logsLarge.query.p95}, raw ${logsLarge.raw.p95}, documents ${logsLarge.documents.p95}; heavy ${logsLarge.heavy.p95})`);
    const reportsLarge = await reports('large');
    // A year (the seeded history): how the query's cost follows the messages in the period, for reading it at larger sizes.
    const reportsYear = await step('reports.year.large', () => child.call<{ samples: number[]; total: number }>('reports', { repeats: 5, now, days: 365 }));
    log(`${db}: reports p95 ${round(percentile(reportsLarge.result.samples, 95))} ms over ${reportsLarge.result.total} messages (${round(percentile(reportsSmall.result.samples, 95))} ms among ${sizes.smallLogs} logs)`);

    const intakeLarge = await intake('large', sizes.intakeBatchesLarge, intakeFirst);
    log(`${db}: intake among ${counts.events} events: ${describeIntake(intakeLarge.result)}`);
    const intakeMemoryLarge = await intakeMemory('large', intakeFirst + 3 * messagesFor(sizes.intakeBatchesLarge));
    const batchMemory = (m: IntakeMemory) => `heap +${median(m.heapGrowthMb)} MB, RSS +${median(m.growthMb)} MB`;
    log(`${db}: one intake batch's memory above a collected heap, median: ${batchMemory(intakeMemoryLarge)} among ${counts.logs} logs; ${batchMemory(intakeMemorySmall)} among ${sizes.smallLogs}`);

    rows.push(
      ...resultRows(db, sizes, counts.logs, { intakeSmall, intakeLarge, intakeMemorySmall, intakeMemoryLarge, fewSmall, fewLarge, resend, send, sendRaw, logsSmall, logsLarge, reportsSmall, reportsLarge, reportsYear, memory: details }),
    );
    const runPeak = tracker.runPeakMb();
    rows.push({ db, scenario: 'Memory: the whole run', metric: 'peak RSS of the Strapi process', value: `${runPeak} MB`, baseline: `after boot ${bootRss} MB`, ratio: null, target: db === 'sqlite' ? '< 500 MB' : 'report', met: db === 'sqlite' ? runPeak < 500 : null });
    details.runPeakMb = runPeak;
    details.seconds = Math.round((Date.now() - started) / 1000);
    details.queriesPerBatch = { small: round(intakeSmall.result.pluginQueries / sizes.intakeBatches, 0), large: round(intakeLarge.result.pluginQueries / sizes.intakeBatchesLarge, 0) };
    details.queriesPerSend = round(send.queries / sizes.sends, 1);
    details.queriesPerRetriedMessage = round(resend.tick.queries / Math.max(1, resend.tick.result.claimed), 1);
    return { rows, details };
  } finally {
    await naivePeer?.stop();
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
  const command = `${Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')).map(([k, v]) => `${k}=${v} `).join('')}npm run bench`;
  // Read before the run: the tree may change while it runs (the code measured is what was built and loaded at its start).
  const commit = producedBy();
  const all: Row[] = [];
  for (const db of dbs) {
    if (db === 'postgres' && !pg) continue;
    const startedAt = new Date().toISOString();
    const t = Date.now();
    const { rows, details } = await runDatabase(db, sizes, pg, profile, queryStats);
    const results: Results = { startedAt, commit, command, machine: { ...machine(), [db]: versions[db] }, sizes, transportMs: Number(process.env.BENCH_TRANSPORT_MS ?? 0), skipped, rows, details: { [db]: details }, seconds: Math.round((Date.now() - t) / 1000) };
    all.push(...rows);
    // One file a database and scale, replaced by each run: the README's table is generated from these (npm run bench:table).
    const file = resultsFile(RESULTS_DIR, db, sizes.scale);
    const previous = compareWith(process.env.BENCH_COMPARE ?? file);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    if (previous) previous.print(results);
    console.log(`\nResults: ${path.relative(process.cwd(), file)} (${results.seconds} s)`);
  }
  printTable({ rows: all, machine: { ...machine(), ...versions }, sizes, skipped });
  agent.destroy();
}

/** The commit the measured code is, and whether the work tree differed from it (results and docs aside). */
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
