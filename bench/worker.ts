/**
 * The Strapi child process: boots the benchmark app (written by the runner), listens on the
 * port it is given, and runs the in-process parts of each scenario when the runner asks over IPC.
 * Being its own process, its peak memory can be read from /proc without the runner's own.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import v8 from 'node:v8';
import { createStrapi, type Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { parseSendgrid } from '../server/src/providers/sendgrid/parse';
import type { NormalizedEvent } from '../server/src/core/events';
import type { FullLogsVariant, HandOffPhases } from './lib/arms';
import { buildBatch, type BatchSpec } from './lib/batches';
import { CONTACT_TYPE, contactDocumentId } from './lib/dataset';
import { applyIdeal } from './lib/ideal';
import { applyNaive } from './lib/naive';
import { eventColumns, insertRows, rowDocumentId } from './lib/rows';
import { analyze, seedContacts, settle, seedDue, seedIntakeLogs, seedLogs, tableCounts, withoutIndexes, type Dialect, type SeedContext } from './lib/seed';
import { round, since, summarize } from './lib/stats';

const LOG = 'plugin::deliverability.delivery-log';

const [appDir, portArg] = process.argv.slice(2);
const port = Number(portArg);
let strapi: Core.Strapi;
let queries = 0;

const knex = (): Knex => strapi.db.connection as unknown as Knex;
const dialect = (): Dialect => strapi.db.dialect.client as Dialect;
const seedContext = (now = Date.now()): SeedContext => ({ knex: knex(), dialect: dialect(), now });
const service = <T>(name: string): T => strapi.plugin('deliverability').service(name) as T;

type Stoppable = { start(): void; stop(): Promise<void> };

interface Retrier {
  tick(now?: Date): Promise<{ skipped: boolean; claimed: number; sent: number; failed: number; durationMs: number }>;
}
interface Messages {
  send(input: unknown): Promise<{ status: string; duplicate?: boolean }>;
}
interface Logs {
  forContact(ref: { type: string; documentId: string }, filters: { page: number; pageSize: number }): Promise<{ results: unknown[]; pagination: { total: number } }>;
}
interface Reports {
  report(query: { from: string; to: string; tzOffsetMinutes: number }): Promise<{ totals: { total: number } }>;
}
interface Config {
  get(): { retrier: { concurrency: number; maxUnrecorded: number } };
}
interface Transports {
  for(channel: 'email' | 'sms'): { provider: string; channel: string; send(message: unknown): Promise<unknown> };
}

/** The rows a first attempt leaves behind: the log and its send_attempt event. */
function sentRows(k: number, key: string, now: Date): { log: Record<string, unknown>; event: Record<string, unknown> } {
  const documentId = rowDocumentId();
  const address = `student${k}@example.ac.uk`;
  return {
    log: {
      document_id: documentId, channel: 'email', address, contact_type: CONTACT_TYPE, contact_document_id: contactDocumentId(k),
      source: 'touchpoint', source_name: 'Week 1 welcome', status: 'sent', status_reason: 'Attempt 1 handed to sandbox.', attempts: 1,
      first_attempt_at: now, provider: 'sandbox', provider_message_id: `sbx-${randomUUID()}`,
      content: JSON.stringify({ subject: 'Welcome to week 1', html: '<p>Your timetable is attached.</p>', text: 'Your timetable is attached.' }),
      idempotency_key: `${key}:${k}`, created_at: now, updated_at: now, published_at: now,
    },
    event: {
      document_id: rowDocumentId(), event_key: `attempt:${documentId}:1`, log_document_id: documentId, kind: 'send_attempt', outcome: 'attempt',
      channel: 'email', address, provider: 'sandbox', attempt: 1, occurred_at: now, raw_type: 'send', reason: 'Attempt 1 handed to sandbox.',
      created_at: now, updated_at: now, published_at: now,
    },
  };
}

/** One student's Full Logs page and count, read one way; answers the rows on the page. */
async function readFullLogs(variant: FullLogsVariant, k: number): Promise<number> {
  const ref = { type: CONTACT_TYPE, documentId: contactDocumentId(k) };
  const where = { contactType: ref.type, contactDocumentId: ref.documentId };
  switch (variant) {
    case 'service':
      return (await service<Logs>('logs').forContact(ref, { page: 1, pageSize: 25 })).results.length;
    case 'query': {
      const query = strapi.db.query(LOG as never);
      const [found] = await Promise.all([query.findMany({ where, orderBy: { createdAt: 'desc' }, limit: 25 }), query.count({ where })]);
      return (found as unknown[]).length;
    }
    case 'raw': {
      const q = () => knex()('deliverability_logs').where({ contact_type: ref.type, contact_document_id: ref.documentId });
      const [found] = await Promise.all([q().select('*').orderBy('created_at', 'desc').limit(25), q().count({ n: '*' })]);
      return found.length;
    }
    case 'documents': {
      const documents = strapi.documents(LOG as never);
      const [found] = await Promise.all([documents.findMany({ filters: where, sort: 'createdAt:desc', limit: 25 } as never), documents.count({ filters: where } as never)]);
      return (found as unknown[]).length;
    }
  }
}

/** Each batch parsed before its clock starts, then applied by `apply` (which answers its repeats), timed. */
async function timedBatches(specs: BatchSpec[], apply: (events: NormalizedEvent[]) => Promise<number>): Promise<{ events: number; duplicates: number; samples: number[] }> {
  const samples: number[] = [];
  let events = 0;
  let duplicates = 0;
  for (const spec of specs) {
    const parsed = parsedEvents(spec);
    const started = process.hrtime.bigint();
    duplicates += await apply(parsed);
    samples.push(since(started));
    events += parsed.length;
  }
  return { events, duplicates, samples };
}

function parsedEvents(spec: BatchSpec): NormalizedEvent[] {
  const { body } = buildBatch(spec);
  return parseSendgrid({ rawBody: Buffer.from(body), headers: {}, method: 'POST', publicUrl: '', query: {} }, { settings: {} as never, now: Date.now() }).events;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

let profiler: inspector.Session | null = null;
/** Notes the heap in use before each collection while a step's peak heap is wanted (heapPeakStart). */
let heapWatch: v8.GCProfiler | null = null;

/** Time spent in each SQL statement shape (knex's query / query-response events), while collecting. */
let queryStats: Map<string, { n: number; ms: number }> | null = null;
const queryStarts = new Map<string, bigint>();
function statementShape(sql: string): string {
  return sql.replace(/\s+/g, ' ').replace(/\((\?, ?)+\?\)/g, '(?…)').replace(/(\(\?…\), ?)+/g, '(?…), ').slice(0, 160);
}
function watchQueries(): void {
  knex().on('query', (q: { __knexQueryUid?: string }) => {
    queries += 1;
    if (queryStats && q.__knexQueryUid) queryStarts.set(q.__knexQueryUid, process.hrtime.bigint());
  });
  const done = (q: { __knexQueryUid?: string; sql?: string }) => {
    if (!queryStats || !q?.__knexQueryUid) return;
    const t = queryStarts.get(q.__knexQueryUid);
    if (t === undefined) return;
    queryStarts.delete(q.__knexQueryUid);
    const key = statementShape(q.sql ?? '');
    const entry = queryStats.get(key) ?? { n: 0, ms: 0 };
    entry.n += 1;
    entry.ms += since(t);
    queryStats.set(key, entry);
  };
  knex().on('query-response', (_r: unknown, q: { __knexQueryUid?: string; sql?: string }) => done(q));
  knex().on('query-error', (_e: unknown, q: { __knexQueryUid?: string; sql?: string }) => done(q));
}

// Each handler takes the arguments its command was sent with.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const handlers: Record<string, (args: any) => Promise<unknown>> = {
  /** A full collection; answers the heap still in use after it (MB). */
  async gc() {
    (global as { gc?: () => void }).gc?.();
    return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  },

  /** Starts noting the JS heap in use before each garbage collection, until heapPeakStop. */
  async heapPeakStart() {
    heapWatch = new v8.GCProfiler();
    heapWatch.start();
    return null;
  },

  /** The most JS heap in use (MB) since heapPeakStart: just before each collection, or now. */
  async heapPeakStop() {
    const collections = heapWatch?.stop().statistics ?? [];
    heapWatch = null;
    const before = collections.map((c) => c.beforeGC.heapStatistics.usedHeapSize);
    return Math.round(Math.max(process.memoryUsage().heapUsed, ...before) / 2 ** 20);
  },

  /**
   * PostgreSQL's counterpart of reading SQLite's file into the OS's cache: every table and index of
   * the plugin read once with pg_prewarm's 'read' mode, which leaves the pages in the OS's cache,
   * not in shared_buffers. Needs the pg_prewarm extension (PostgreSQL's contrib) and a role that may
   * create it; without them the run goes on and the answer says why.
   */
  async prewarm() {
    const started = process.hrtime.bigint();
    try {
      await knex().raw('create extension if not exists pg_prewarm');
      const { rows } = (await knex().raw(
        `select coalesce(sum(pg_prewarm(c.oid, 'read')), 0)::bigint as blocks from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and c.relkind in ('r', 'i') and c.relname like 'deliverability\\_%'`,
      )) as { rows: { blocks: string }[] };
      return { bytes: Number(rows[0].blocks) * 8192, ms: since(started) };
    } catch (error) {
      return { bytes: 0, ms: since(started), refused: error instanceof Error ? error.message : String(error) };
    }
  },

  /** Where the RSS is, before any collection (MB): the JS heap V8 holds (garbage included) and memory outside it. */
  async heap() {
    const usage = process.memoryUsage();
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    return { heapTotalMb: mb(usage.heapTotal), outsideHeapMb: mb(usage.rss - usage.heapTotal) };
  },

  async queryStatsStart() {
    queryStats = new Map();
    return null;
  },

  async queryStatsStop({ top }: { top: number }) {
    const stats = [...(queryStats ?? new Map()).entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top);
    queryStats = null;
    queryStarts.clear();
    return stats.map(([sql, { n, ms }]) => ({ sql, n, ms: Math.round(ms), each: Math.round((ms / n) * 100) / 100 }));
  },

  async queryCount() {
    const n = queries;
    queries = 0;
    return n;
  },

  async dbVersion() {
    if (dialect() === 'sqlite') {
      const [row] = (await knex().raw('select sqlite_version() as v')) as { v: string }[];
      const [journal] = (await knex().raw('pragma journal_mode')) as { journal_mode: string }[];
      const [sync] = (await knex().raw('pragma synchronous')) as { synchronous: number }[];
      const [cache] = (await knex().raw('pragma cache_size')) as { cache_size: number }[];
      return `SQLite ${row.v} (better-sqlite3; journal_mode=${journal.journal_mode}, synchronous=${['off', 'normal', 'full', 'extra'][sync.synchronous] ?? sync.synchronous}: Strapi's defaults; cache_size=${cache.cache_size}${process.env.BENCH_SQLITE_CACHE_MB ? ', set by BENCH_SQLITE_CACHE_MB' : ''})`;
    }
    const version = ((await knex().raw('select version() as v')) as { rows: { v: string }[] }).rows[0].v.split(' on ')[0];
    const settings = ((await knex().raw("select name, setting, unit from pg_settings where name in ('shared_buffers', 'synchronous_commit', 'work_mem') order by name")) as {
      rows: { name: string; setting: string; unit: string | null }[];
    }).rows;
    const value = (r: { setting: string; unit: string | null }) => (r.unit === '8kB' ? `${(Number(r.setting) * 8) / 1024} MB` : `${r.setting}${r.unit ?? ''}`);
    return `${version} (${settings.map((r) => `${r.name}=${value(r)}`).join(', ')}; Debian's defaults)`;
  },

  async counts() {
    return tableCounts(knex());
  },

  async seedContacts({ count, now }: { count: number; now: number }) {
    const started = process.hrtime.bigint();
    const ctx = seedContext(now);
    await withoutIndexes(ctx, ['deliverability_contacts', 'deliverability_addresses', 'deliverability_contact_addresses'], () => seedContacts(ctx, 1, count));
    await analyze(ctx);
    return { ms: since(started), ...(await settle(ctx)) };
  },

  async seedLogs({ from, to, contacts, bulk, now }: { from: number; to: number; contacts: number; bulk: boolean; now: number }) {
    const started = process.hrtime.bigint();
    const ctx = seedContext(now);
    const load = () => seedLogs(ctx, from, to, contacts);
    if (bulk) await withoutIndexes(ctx, ['deliverability_logs', 'deliverability_events'], load);
    else await load();
    await analyze(ctx);
    return { ms: since(started), ...(await settle(ctx)) };
  },

  async seedIntakeLogs({ from, to, contacts }: { from: number; to: number; contacts: number }) {
    await seedIntakeLogs(seedContext(), from, to, contacts);
    return null;
  },

  async seedDue({ from, to, contacts }: { from: number; to: number; contacts: number }) {
    await seedDue(seedContext(), from, to, contacts);
    return null;
  },

  /** The insert-only floor: the same number of event rows, bulk-inserted into the same table in one transaction a batch, and nothing else. */
  async intakeRaw({ specs }: { specs: BatchSpec[] }) {
    const samples: number[] = [];
    let events = 0;
    for (const spec of specs) {
      const now = new Date();
      const rows = parsedEvents(spec).map((e, i) => eventColumns(e, `raw:${spec.pass}:${spec.batch}:${i}`, now));
      const started = process.hrtime.bigint();
      await knex().transaction(async (trx) => {
        for (let i = 0; i < rows.length; i += 1000) await insertRows(trx, 'deliverability_events', rows.slice(i, i + 1000));
      });
      samples.push(since(started));
      events += rows.length;
    }
    return { events, samples };
  },

  /** The ideal arm (`lib/ideal.ts`): the intake's effects as set-based SQL, one transaction a batch. */
  async intakeIdeal({ specs }: { specs: BatchSpec[] }) {
    return timedBatches(specs, (events) => applyIdeal(knex(), dialect(), events).then((fresh) => events.length - fresh));
  },

  /**
   * The plugin's timers (the bulk worker's polls, the report counts' compaction) held or started
   * again. The naive peer runs in a Strapi of its own on the same database; on SQLite, two
   * processes whose transactions both read then write can fail each other at once ("database is
   * locked", without waiting), so its process holds them for good and the plugin's while a naive
   * batch runs. Neither has anything to do then: the intake measures requests, not timers.
   */
  async holdTimers() {
    await service<Stoppable>('bulk-worker').stop();
    await service<Stoppable>('report-rollup').stop();
  },

  async startTimers() {
    service<Stoppable>('bulk-worker').start();
    service<Stoppable>('report-rollup').start();
  },

  /** The naive peer (`lib/naive.ts`): the same effects, event by event through the Document Service. */
  async intakeNaive({ specs }: { specs: BatchSpec[] }) {
    return timedBatches(specs, (events) => applyNaive(strapi, events));
  },

  /** Sends through the plugin's own API: one call a message, `concurrency` callers at once. */
  async send({ from, count, concurrency, tag }: { from: number; count: number; concurrency: number; tag: string }) {
    const messages = service<Messages>('messages');
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const items = Array.from({ length: count }, (_, i) => from + i);
    const started = process.hrtime.bigint();
    await pool(items, concurrency, async (k) => {
      const t = process.hrtime.bigint();
      const view = await messages.send({
        channel: 'email',
        to: { contact: contactDocumentId(k) },
        subject: 'Welcome to week 1',
        text: 'Your timetable is attached.',
        html: '<p>Your timetable is attached.</p>',
        source: 'touchpoint',
        sourceName: 'Week 1 welcome',
        idempotencyKey: `bench:${tag}:${k}`,
      });
      latencies.push(since(t));
      statuses[view.status] = (statuses[view.status] ?? 0) + 1;
    });
    return { ms: since(started), latency: summarize(latencies), statuses };
  },

  /** The limit for sending: the rows a send leaves behind (the log, its attempt event), one transaction a message. */
  async sendRaw({ from, count, concurrency, tag }: { from: number; count: number; concurrency: number; tag: string }) {
    const items = Array.from({ length: count }, (_, i) => from + i);
    const started = process.hrtime.bigint();
    await pool(items, concurrency, async (k) => {
      const { log, event } = sentRows(k, `raw:${tag}`, new Date());
      await knex().transaction(async (trx) => {
        await insertRows(trx, 'deliverability_logs', [log]);
        await insertRows(trx, 'deliverability_events', [event]);
      });
    });
    return { ms: since(started) };
  },

  /** The re-send tick's baseline: `count` logs and their attempt events inserted `batch` rows a statement, one transaction a batch. */
  async insertSentRows({ count, batch, tag }: { count: number; batch: number; tag: string }) {
    const started = process.hrtime.bigint();
    for (let from = 1; from <= count; from += batch) {
      const now = new Date();
      const rows = Array.from({ length: Math.min(batch, count - from + 1) }, (_, i) => sentRows(from + i, `rows:${tag}`, now));
      await knex().transaction(async (trx) => {
        await insertRows(trx, 'deliverability_logs', rows.map((r) => r.log));
        await insertRows(trx, 'deliverability_events', rows.map((r) => r.event));
      });
    }
    return { ms: since(started) };
  },

  async retrierConcurrency() {
    return service<Config>('config').get().retrier.concurrency;
  },

  async setTransportLatency({ ms }: { ms: number }) {
    transportLatencyMs = ms;
    return null;
  },

  /** One retrier tick; `maxUnrecorded` overrides `retrier.maxUnrecorded` for it. */
  async retrierTick({ maxUnrecorded }: { maxUnrecorded?: number } = {}) {
    const retrier = service<Config>('config').get().retrier;
    const configured = retrier.maxUnrecorded;
    retrier.maxUnrecorded = maxUnrecorded ?? configured;
    handOffTimes = [];
    const started = performance.now();
    try {
      const result = await service<Retrier>('retrier').tick();
      return { ms: performance.now() - started, ...result, handOffs: handOffPhases(handOffTimes, started) };
    } finally {
      handOffTimes = null;
      retrier.maxUnrecorded = configured;
    }
  },

  /** Each student's page read by every variant in turn, the order rotating from one student to the next. */
  async fullLogs({ variants, students }: { variants: FullLogsVariant[]; students: number[] }) {
    const samples: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    let rows = 0;
    for (const [i, k] of students.entries()) {
      for (let j = 0; j < variants.length; j += 1) {
        const variant = variants[(i + j) % variants.length];
        const started = process.hrtime.bigint();
        rows += await readFullLogs(variant, k);
        samples[variant].push(since(started));
      }
    }
    return { samples, rows };
  },

  /** The report counts recounted from the messages the seeding wrote straight into the table (as a site's upgrade does once). */
  async recountReports() {
    const started = process.hrtime.bigint();
    const result = await service<{ rebuild(): Promise<{ messages: number; counts: number }> }>('report-rollup').rebuild();
    return { ms: since(started), ...result };
  },

  /** The report for the `days` days up to `now` (30 unless told), `repeats` times. */
  async reports({ repeats, now, days = 30 }: { repeats: number; now: number; days?: number }) {
    const reports = service<Reports>('reports');
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const samples: number[] = [];
    let total = 0;
    for (let i = 0; i < repeats; i += 1) {
      const started = process.hrtime.bigint();
      const report = await reports.report({ from: day(now - (days - 1) * 86_400_000), to: day(now), tzOffsetMinutes: 0 });
      samples.push(since(started));
      total = report.totals.total;
    }
    return { samples, total };
  },

  /** CPU profile of whatever runs until profileStop (node:inspector, in this process). */
  async profileStart() {
    profiler = new inspector.Session();
    profiler.connect();
    await new Promise<void>((resolve, reject) => profiler!.post('Profiler.enable', (e) => (e ? reject(e) : profiler!.post('Profiler.start', (e2) => (e2 ? reject(e2) : resolve())))));
    return null;
  },

  async profileStop({ file }: { file: string }) {
    if (!profiler) return null;
    const profile = await new Promise<unknown>((resolve, reject) =>
      profiler!.post('Profiler.stop', (e, result) => (e ? reject(e) : resolve((result as { profile: unknown }).profile))),
    );
    profiler.disconnect();
    profiler = null;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
    return file;
  },

  async stop() {
    await strapi.destroy();
    setImmediate(() => process.exit(0));
    return null;
  },
};

/** A fixed latency added to every transport hand-off (0: none); BENCH_TRANSPORT_MS at boot, `setTransportLatency` later. */
let transportLatencyMs = 0;

/** When each hand-off of the tick being timed began and was answered (performance.now()); null while no tick is. */
let handOffTimes: [number, number][] | null = null;

/**
 * Where a tick's time went, from its hand-offs' times: until the first hand-off began (the claim
 * and the first begin), from then until the last answer, and from the last answer to the tick's
 * end (the last record); and how long each hand-off took from its start to its answer.
 */
function handOffPhases(times: [number, number][], tickStarted: number): HandOffPhases | null {
  if (times.length === 0) return null;
  const firstStart = Math.min(...times.map(([start]) => start));
  const lastAnswer = Math.max(...times.map(([, end]) => end));
  return {
    beforeFirstMs: round(firstStart - tickStarted),
    handingOverMs: round(lastAnswer - firstStart),
    afterLastMs: round(performance.now() - lastAnswer),
    each: summarize(times.map(([start, end]) => end - start)),
  };
}

/** Wraps the transports so that each hand-off waits `transportLatencyMs` first. */
function holdTransportLatency(ms: number): void {
  transportLatencyMs = ms;
  const transports = service<Transports>('transports');
  const original = transports.for.bind(transports);
  transports.for = (channel) => {
    const transport = original(channel);
    return {
      ...transport,
      provider: transport.provider,
      channel: transport.channel,
      send: async (m: unknown) => {
        const times = handOffTimes;
        const started = performance.now();
        if (transportLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, transportLatencyMs));
        const outcome = await transport.send(m);
        times?.push([started, performance.now()]);
        return outcome;
      },
    };
  };
}

async function main(): Promise<void> {
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  strapi = createStrapi({ appDir, distDir: appDir, autoReload: false, serveAdminPanel: false });
  strapi.log.level = 'error';
  await strapi.load();
  strapi.log.level = 'error';
  watchQueries();
  // SQLite's page cache (16,000 KiB, better-sqlite3's default, unless a site sets it; README, "Performance"): BENCH_SQLITE_CACHE_MB
  // measures a larger one. Strapi's SQLite pool holds one connection, so the pragma stays set.
  const cacheMb = Number(process.env.BENCH_SQLITE_CACHE_MB ?? 0);
  if (cacheMb > 0 && dialect() === 'sqlite') await knex().raw(`pragma cache_size = -${Math.round(cacheMb * 1024)}`);
  holdTransportLatency(Number(process.env.BENCH_TRANSPORT_MS ?? 0));
  strapi.server.mount();
  await new Promise<void>((resolve) => strapi.server.httpServer.listen(port, '127.0.0.1', () => resolve()));
  process.on('message', async (message: { id: number; cmd: string; args: unknown }) => {
    try {
      const handler = handlers[message.cmd];
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      const result = await handler(message.args ?? {});
      process.send!({ id: message.id, ok: true, result });
    } catch (error) {
      process.send!({ id: message.id, ok: false, error: (error as Error).stack ?? String(error) });
    }
  });
  process.send!({ ready: true, pid: process.pid });
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
