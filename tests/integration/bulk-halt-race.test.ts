/**
 * Pausing or cancelling a bulk send while two Strapi processes' retriers hand over its messages
 * held by quiet hours, on one PostgreSQL and on one MySQL/MariaDB database. The retriers tick every
 * second and claim a few due messages each; the editor pauses (or cancels) through the admin API
 * half-way. Once the ticks in flight at that moment have finished, nothing more of the send reaches
 * the provider (a fake Twilio REST server on 127.0.0.1 counting what it receives); a resumed send
 * then goes out whole, each message once; a cancelled one's unsent messages are removed and counted.
 *
 * Needs the database servers of tests/helpers/databases.ts (.ci/run starts both).
 */
import request from 'supertest';
import { appDir, writeApp } from '../helpers/app';
import { fakeTwilio, type FakeTwilio } from '../helpers/fake-twilio';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { startInstance, stopInstance, waitUntil, type Instance } from '../helpers/instances';
import { insertBulkSend } from '../helpers/bulk-queue';

jest.setTimeout(300_000);

const kinds = serverKinds('bulk-halt-race.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as ServerKind]);
const COUNT = 80;
/** Longer than a tick in flight can take (a claim of 4, each hand-over ~60 ms, one at a time). */
const SETTLE_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


describeEach('pausing and cancelling a bulk send against two retriers on %s', (kind) => {
  let db: ServerDatabase;
  let twilio: FakeTwilio;
  const instances: Instance[] = [];
  let jwt = '';
  const dir = appDir(`bulk-halt-${kind}`);

  const handedOver = (ids: string[]) => ids.reduce((sum, i) => sum + (twilio.receipts.get(i) ?? 0), 0);
  const steer = (i: number, sendId: string, action: 'pause' | 'resume' | 'cancel') =>
    request(`http://127.0.0.1:${instances[i].port}`)
      .post(`/deliverability/bulk-sends/${sendId}/${action}`)
      .set('Authorization', `Bearer ${jwt}`);

  beforeAll(async () => {
    db = await createServerDatabase(kind, 'bulkhalt');
    twilio = await fakeTwilio(60);
    writeApp(dir, {
      database: db.strapiConnection,
      literalPluginConfig: true,
      pluginConfig: {
        publicUrl: 'http://127.0.0.1:9',
        providers: { twilio: { authToken: 'test-token' } },
        sending: {
          sms: 'twilio',
          timeoutMs: 2000,
          twilio: { accountSid: 'ACtest', from: '+15005550006', baseUrl: `http://127.0.0.1:${twilio.port}` },
        },
        // Every second, a few at a time, one after the other: the send takes several seconds to drain.
        retrier: { enabled: true, schedule: '* * * * * *', batchSize: 4, concurrency: 1 },
        bulk: { pollMs: 100 },
      },
    });
    instances.push(await startInstance(dir)); // the first one creates the schema
    instances.push(await startInstance(dir));
    const registered = await request(`http://127.0.0.1:${instances[0].port}`)
      .post('/admin/register-admin')
      .send({ email: 'admin@test.local', password: 'Test-password-1', firstname: 'Test', lastname: 'Admin' });
    expect(registered.status).toBe(200);
    jwt = registered.body.data.token as string;
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    await twilio?.close();
    await db?.drop();
  });

  it('a pause half-way stops the hand-overs once the ticks in flight end; the resumed send goes out whole, each message once', async () => {
    const { sendId, ids } = await insertBulkSend(db, COUNT, 'p', 'held');
    await waitUntil(async () => handedOver(ids) >= 12, 60_000, 'both retriers to be under way');
    expect((await steer(1, sendId, 'pause')).status).toBe(200);
    await sleep(SETTLE_MS);
    const atPause = handedOver(ids);
    expect(atPause).toBeLessThan(COUNT);
    // Several more ticks on each process: none takes a message of the paused send.
    await sleep(4000);
    expect(handedOver(ids)).toBe(atPause);
    const waiting = await db.knex('deliverability_logs').where({ bulk_send_id: sendId, status: 'deferred', attempts: 0 }).count({ n: '*' });
    expect(Number(waiting[0].n)).toBe(COUNT - atPause);

    expect((await steer(0, sendId, 'resume')).status).toBe(200);
    await waitUntil(async () => handedOver(ids) >= COUNT, 60_000, 'the resumed send to go out');
    await sleep(1500);
    const counts = ids.map((i) => twilio.receipts.get(i) ?? 0);
    expect(counts.filter((c) => c !== 1)).toEqual([]);
  });

  it('a cancel half-way: once the ticks in flight end nothing more goes; each message was sent once or removed and counted', async () => {
    const { sendId, ids } = await insertBulkSend(db, COUNT, 'c', 'held');
    await waitUntil(async () => handedOver(ids) >= 12, 60_000, 'both retriers to be under way');
    const cancelled = await steer(0, sendId, 'cancel');
    expect(cancelled.status).toBe(200);
    await sleep(SETTLE_MS);
    const atCancel = handedOver(ids);
    expect(atCancel).toBeLessThan(COUNT);
    await sleep(4000);
    expect(handedOver(ids)).toBe(atCancel);

    const left = (await db.knex('deliverability_logs').select('document_id', 'status', 'attempts').where('bulk_send_id', sendId)) as {
      document_id: string;
      status: string;
      attempts: number;
    }[];
    // What remains is what was handed over, once each; nothing still waits to be sent.
    expect(left.filter((row) => Number(row.attempts) === 0)).toEqual([]);
    expect(left.map((row) => twilio.receipts.get(row.document_id) ?? 0).filter((c) => c !== 1)).toEqual([]);
    expect(left).toHaveLength(atCancel);
    const send = await db.knex('deliverability_bulk_sends').where('document_id', sendId).first();
    expect(send.status).toBe('cancelled');
    expect(Number(send.cancelled_count)).toBe(COUNT - atCancel);
  });
});
