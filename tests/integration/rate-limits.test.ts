/**
 * The public routes' rate limits are counted in the database (services/rate-limits.ts), so that
 * instances behind a load balancer share them: two Strapi processes on one PostgreSQL, and on one
 * MariaDB, database take parallel wrong SMS codes for one number and parallel one-click unsubscribe
 * requests from one IP, and together never let more than the limit through. The table keeps only
 * keyed hashes: no number, address or IP.
 *
 * Needs the database servers of tests/helpers/databases.ts (.ci/run starts both). The SQLite case
 * is in rate-limits-sqlite.test.ts.
 */
import request from 'supertest';
import { appDir, writeApp } from '../helpers/app';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { startInstance, stopInstance, type Instance } from '../helpers/instances';
import { LIMITS, rateLimitedConfig, waitForRoomInWindow } from '../helpers/rate-limits';

jest.setTimeout(300_000);

const kinds = serverKinds('rate-limits.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as ServerKind]);

describeEach('rate limits shared by two instances on %s', (kind) => {
  let db: ServerDatabase;
  let instances: Instance[] = [];
  const dir = appDir(`rate-limits-${kind}`);
  const origin = (i: number) => `http://127.0.0.1:${instances[i % instances.length].port}`;

  /** `total` requests at once, alternating between the two processes. */
  const atOnce = (total: number, send: (origin: string) => request.Test) =>
    Promise.all(Array.from({ length: total }, (_, i) => send(origin(i))));
  const statuses = (answers: request.Response[]) => answers.map((a) => a.status);

  beforeAll(async () => {
    db = await createServerDatabase(kind, 'ratelimits');
    writeApp(dir, { database: db.strapiConnection, literalPluginConfig: true, pluginConfig: rateLimitedConfig() });
    // The first process creates the schema alone.
    instances.push(await startInstance(dir));
    await stopInstance(instances.pop()!);
    instances = await Promise.all([startInstance(dir), startInstance(dir)]);
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    await db?.drop();
  });

  it('lets through at most confirmPerTarget codes for one number, whichever process answers', async () => {
    await waitForRoomInWindow();
    const answers = await atOnce(12, (o) =>
      request(o).post('/api/deliverability/verifications/confirm').send({ address: '+44 7700 900999', code: '000000' }),
    );
    expect(statuses(answers).filter((s) => s === 400)).toHaveLength(LIMITS.confirmPerTarget.limit);
    expect(statuses(answers).filter((s) => s === 429)).toHaveLength(12 - LIMITS.confirmPerTarget.limit);
    const refused = answers.find((a) => a.status === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another number is not held up by the first one's count.
    const other = await request(origin(1))
      .post('/api/deliverability/verifications/confirm')
      .send({ address: '+447700900998', code: '000000' });
    expect(other.status).toBe(400);
  });

  it('lets through at most unsubscribePerIp one-click requests from one IP, across both processes', async () => {
    await waitForRoomInWindow();
    const answers = await atOnce(12, (o) => request(o).get('/api/deliverability/unsubscribe/not-a-real-token'));
    expect(statuses(answers).filter((s) => s !== 429)).toHaveLength(LIMITS.unsubscribePerIp.limit);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.text).toContain('Too many requests');
  });

  it('stores keyed hashes only: no number and no IP', async () => {
    const rows = (await db.knex('deliverability_rate_windows').select('*')) as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    const text = JSON.stringify(rows);
    expect(text).not.toMatch(/7700900|127\.0\.0\.1/);
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(String(row.key)))).toBe(true);
    // 12 requests for the number were counted once each: one window row, 12 hits.
    const hits = rows.filter((row) => row.scope === 'confirmPerTarget').map((row) => Number(row.hits));
    expect(hits.sort((a, b) => a - b)).toEqual([1, 12]);
  });
});
