/**
 * One bounce, reported several times at once to two Strapi processes on one PostgreSQL, and on
 * one MySQL/MariaDB, database, makes one fallback: SendGrid's repeats of one event (the same
 * sg_event_id) and a second event about the same bounce (another id), posted in parallel and
 * signed as SendGrid signs them. The fallback SMS is created once, linked once, and handed over
 * once (the sandbox SMS transport, with no reports to follow).
 *
 * Needs the database servers of tests/helpers/databases.ts (.ci/run starts both).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { appDir, writeApp } from '../helpers/app';
import { createServerDatabase, serverKinds, type ServerDatabase, type ServerKind } from '../helpers/databases';
import { startInstance, stopInstance, waitUntil, type Instance } from '../helpers/instances';
import { sendgridHeaders, vectors, WEBHOOKS } from '../helpers/webhooks';
import { sendgridEventBody } from '../../server/src/providers/sendgrid/simulate';

jest.setTimeout(300_000);

const kinds = serverKinds('fallback-race.test.ts');
const describeEach = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['none' as ServerKind]);
const CONTACT_TYPE = 'plugin::deliverability.contact';

const documentId = (): string => randomUUID().replace(/-/g, '').slice(0, 24);

/** A student with both addresses, and a critical email to them as the sender leaves it once handed over. */
async function seedSentCriticalEmail(db: ServerDatabase, n: number): Promise<{ log: string; email: string; mobile: string }> {
  const now = new Date();
  const contact = documentId();
  const log = documentId();
  const email = `race${n}@example.ac.uk`;
  const mobile = `+4477009003${String(n).padStart(2, '0')}`;
  await db.knex('deliverability_contacts').insert({ document_id: contact, first_name: 'Race', email, mobile, created_at: now, updated_at: now, published_at: now });
  await db.knex('deliverability_logs').insert({
    document_id: log,
    channel: 'email',
    address: email,
    contact_type: CONTACT_TYPE,
    contact_document_id: contact,
    source: 'api',
    status: 'sent',
    attempts: 1,
    first_attempt_at: now,
    provider: 'sandbox',
    provider_message_id: `sbx-${log}`,
    category: 'critical',
    content: JSON.stringify({ subject: 'Registration hold', html: null, text: 'See the registry.' }),
    fallback_content: JSON.stringify({ body: 'Registration hold: check your email.' }),
    created_at: now,
    updated_at: now,
    published_at: now,
  });
  return { log, email, mobile };
}

describeEach('a bounce reported at once to two processes on %s', (kind) => {
  let db: ServerDatabase;
  const instances: Instance[] = [];
  const dir = appDir(`fallback-race-${kind}`);

  beforeAll(async () => {
    db = await createServerDatabase(kind, 'fallbackrace');
    writeApp(dir, {
      database: db.strapiConnection,
      literalPluginConfig: true,
      pluginConfig: {
        publicUrl: 'http://127.0.0.1:9',
        providers: { sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der } },
        // No report keys: the sandbox takes the fallback SMS and reports nothing back.
        sending: { email: 'sandbox', sms: 'sandbox' },
        retrier: { enabled: false },
      },
    });
    instances.push(await startInstance(dir)); // the first one creates the schema
    instances.push(await startInstance(dir));
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    await db?.drop();
  });

  it('makes one fallback SMS, linked once and handed over once, for each of several messages', async () => {
    const seeded = await Promise.all([1, 2, 3].map((n) => seedSentCriticalEmail(db, n)));
    const bounce = (message: { log: string; email: string }) =>
      sendgridEventBody([
        { kind: 'bounce', email: message.email, messageId: `sbx-${message.log}`, logDocumentId: message.log, attempt: 1, at: Date.now(), response: '550 5.1.1 No such user' },
      ]);
    // Per message: one event three times (SendGrid's repeats), and a second event about the same bounce.
    const posts = seeded.flatMap((message) => {
      const repeated = bounce(message);
      return [repeated, repeated, repeated, bounce(message)];
    });
    const answers = await Promise.all(
      posts.map((body, i) =>
        request(`http://127.0.0.1:${instances[i % 2].port}`).post(`${WEBHOOKS}/sendgrid`).set(sendgridHeaders(body)).send(body),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(posts.map(() => 200));

    const ids = seeded.map((m) => m.log);
    await waitUntil(
      async () => (await db.knex('deliverability_logs').whereIn('fallback_of', ids).whereNot('status', 'queued')).length === ids.length,
      60_000,
      'the fallbacks to be handed over',
    );
    for (const message of seeded) {
      const original = await db.knex('deliverability_logs').where('document_id', message.log).first();
      expect(original.status).toBe('bounced');
      const fallbacks = await db.knex('deliverability_logs').where('fallback_of', message.log);
      expect(fallbacks).toHaveLength(1);
      expect(fallbacks[0]).toMatchObject({ channel: 'sms', address: message.mobile, status: 'sent', attempts: 1, category: 'critical' });
      expect(original.fallback_message).toBe(fallbacks[0].document_id);
      const links = await db.knex('deliverability_events').where({ log_document_id: message.log, kind: 'fallback' });
      expect(links).toHaveLength(1);
      const handOffs = await db.knex('deliverability_events').where({ log_document_id: fallbacks[0].document_id, kind: 'send_attempt' });
      expect(handOffs).toHaveLength(1);
    }
  });
});
