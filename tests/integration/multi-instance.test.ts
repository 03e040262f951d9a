/**
 * Several Strapi processes on one PostgreSQL database: every due message is re-sent by exactly
 * one of them, and when a process is killed mid-tick, its leases expire and the others finish
 * its work. The provider is a fake Twilio REST server on 127.0.0.1 that counts what it receives.
 *
 * Needs a PostgreSQL server: DELIVERABILITY_TEST_PG=postgres://user:pass@127.0.0.1:5432/db
 * (.ci/run installs PostgreSQL from Debian, starts it and sets this). Without it, the suite is
 * skipped with a message, so that `npm test` still runs everywhere else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { Client } from 'pg';
import { appDir, freePort, ROOT, writeApp } from '../helpers/app';

const PG = process.env.DELIVERABILITY_TEST_PG;
const describePg = PG ? describe : describe.skip;
if (!PG) console.warn('multi-instance.test.ts skipped: set DELIVERABILITY_TEST_PG to a PostgreSQL URL to run it (.ci/run does).');

jest.setTimeout(300_000);

interface FakeTwilio {
  port: number;
  /** How many times each message (log documentId) was handed over. */
  receipts: Map<string, number>;
  close(): Promise<void>;
}

async function fakeTwilio(delayMs: number): Promise<FakeTwilio> {
  const receipts = new Map<string, number>();
  let counter = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const callback = new URL(form.get('StatusCallback') ?? 'http://x/');
      const logId = (callback.searchParams.get('dlv') ?? 'unknown').split('.')[0];
      receipts.set(logId, (receipts.get(logId) ?? 0) + 1);
      counter += 1;
      setTimeout(() => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sid: `SM${counter.toString().padStart(32, '0')}`, status: 'queued' }));
      }, delayMs);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, receipts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function startInstance(dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'tests/helpers/instance.js'), dir], {
      cwd: dir,
      env: { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('READY')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`instance exited with ${code}: ${err}`)));
  });
}

async function stopInstance(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

async function insertDue(db: Client, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  const now = new Date();
  const rows: unknown[][] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    ids.push(id);
    rows.push([id, `+4477009${String(i).padStart(5, '0')}`, new Date(now.getTime() - 60_000), new Date(now.getTime() - 1000)]);
  }
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const values = chunk.map((_, j) => `($${j * 4 + 1}, 'sms', $${j * 4 + 2}, 'api', 'deferred', 1, $${j * 4 + 3}, $${j * 4 + 4}, '{"body":"Your class moved"}', now(), now(), now())`);
    await db.query(
      `insert into deliverability_logs (document_id, channel, address, source, status, attempts, first_attempt_at, next_attempt_at, content, created_at, updated_at, published_at) values ${values.join(',')}`,
      chunk.flat(),
    );
  }
  return ids;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('timed out');
}

describePg('several Strapi instances on one PostgreSQL', () => {
  let db: Client;
  let twilio: FakeTwilio;
  const instances: ChildProcess[] = [];
  const dir = appDir('multi');

  beforeAll(async () => {
    db = new Client({ connectionString: PG });
    await db.connect();
    await db.query('drop schema if exists public cascade; create schema public;');
    twilio = await fakeTwilio(3);
    const url = new URL(PG!);
    writeApp(dir, {
      database: {
        client: 'postgres',
        connection: { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) },
        pool: { min: 0, max: 6 },
      },
      literalPluginConfig: true,
      pluginConfig: {
        publicUrl: 'http://127.0.0.1:9',
        providers: { twilio: { authToken: 'test-token' } },
        sending: { sms: 'twilio', twilio: { accountSid: 'ACtest', from: '+15005550006', baseUrl: `http://127.0.0.1:${twilio.port}` } },
        // Every second, small batches, short leases: the processes interleave many times in a test.
        retrier: { enabled: true, schedule: '* * * * * *', batchSize: 50, leaseSeconds: 8 },
      },
    });
    instances.push(await startInstance(dir)); // the first one creates the schema
  });

  afterAll(async () => {
    await Promise.all(instances.map((child) => stopInstance(child)));
    await twilio?.close();
    await db?.end();
  });

  const pending = async (ids: string[]) =>
    Number((await db.query("select count(*) from deliverability_logs where document_id = any($1) and status <> 'sent'", [ids])).rows[0].count);

  it('sends each of 3,000 due messages exactly once across three processes', async () => {
    await stopInstance(instances.pop()!);
    const ids = await insertDue(db, 3000, 'a');
    instances.push(...(await Promise.all([startInstance(dir), startInstance(dir), startInstance(dir)])));
    // Which processes held claims while the work went on (lease owners are host:pid:...).
    const claimants = new Set<string>();
    await waitUntil(async () => {
      const owners = await db.query("select distinct split_part(lease_owner, ':', 2) as pid from deliverability_logs where lease_owner is not null");
      owners.rows.forEach((row: { pid: string }) => claimants.add(row.pid));
      return (await pending(ids)) === 0;
    }, 240_000);

    const counts = ids.map((id) => twilio.receipts.get(id) ?? 0);
    expect(counts.filter((c) => c === 0)).toHaveLength(0);
    expect(counts.filter((c) => c > 1)).toHaveLength(0);
    // More than one process took part: the claims really were contended.
    expect(claimants.size).toBeGreaterThan(1);
    const attempts = await db.query("select count(*) from deliverability_events where kind = 'send_attempt' and log_document_id = any($1)", [ids]);
    expect(Number(attempts.rows[0].count)).toBe(3000);
  });

  it('finishes the work of a process killed mid-tick once its leases expire', async () => {
    const ids = await insertDue(db, 600, 'b');
    // Kill one process as soon as it holds claims.
    const victim = instances[0];
    await waitUntil(async () => {
      const held = await db.query("select count(*) from deliverability_logs where lease_owner like $1 and document_id = any($2)", [`%:${victim.pid}:%`, ids]);
      return Number(held.rows[0].count) > 0;
    }, 60_000);
    await stopInstance(victim, 'SIGKILL');
    instances.shift();
    await waitUntil(async () => (await pending(ids)) === 0, 120_000);

    const counts = ids.map((id) => twilio.receipts.get(id) ?? 0);
    expect(counts.filter((c) => c === 0)).toHaveLength(0);
    // A message handed over by the victim just before it died, but not yet recorded, is sent once
    // more by the process that takes over: at most the victim's in-flight messages (4 at a time).
    expect(counts.filter((c) => c > 1).length).toBeLessThanOrEqual(4);
    const leftovers = await db.query('select count(*) from deliverability_logs where lease_owner is not null and document_id = any($1)', [ids]);
    expect(Number(leftovers.rows[0].count)).toBe(0);
  });
});
