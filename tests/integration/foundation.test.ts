/**
 * The base: content types and their indexes, contacts through the Content Manager's admin API,
 * the status mirror following the address, and config validation at boot.
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import type { NormalizedEvent } from '../../server/src/core/events';

const CONTACT = 'plugin::deliverability.contact';
const CM = `/content-manager/collection-types/${CONTACT}`;

let app: TestApp;
let token: string;

beforeAll(async () => {
  app = await startApp('foundation');
  token = await adminToken(app);
});

afterAll(async () => {
  await app?.stop();
});

function hardBounce(address: string, key: string): NormalizedEvent {
  return {
    provider: 'sandbox',
    channel: 'email',
    kind: 'hard_bounce',
    address,
    providerMessageId: null,
    correlationId: null,
    attempt: null,
    eventKey: key,
    occurredAt: Date.now(),
    rawType: 'bounce',
    rawCode: '550 5.1.1',
    rawText: 'mailbox does not exist',
    severity: 'permanent',
  };
}

describe('content types', () => {
  it('registers every plugin type, with the internal ones hidden from the Content Manager', () => {
    const types = app.strapi.contentTypes as unknown as Record<string, { pluginOptions?: Record<string, { visible?: boolean }> }>;
    for (const name of ['contact', 'delivery-log', 'delivery-event', 'address', 'webhook-receipt', 'audit-entry']) {
      expect(types[`plugin::deliverability.${name}`]).toBeDefined();
    }
    expect(types[CONTACT].pluginOptions?.['content-manager']?.visible).toBe(true);
    expect(types['plugin::deliverability.delivery-event'].pluginOptions?.['content-manager']?.visible).toBe(false);
    expect(types['plugin::deliverability.address'].pluginOptions?.['content-manager']?.visible).toBe(false);
  });

  it('creates the indexes the hot queries need', async () => {
    const rows = (await app.strapi.db.connection.raw("select name, tbl_name, sql from sqlite_master where type = 'index'")) as {
      name: string;
      tbl_name: string;
      sql: string | null;
    }[];
    const byName = new Map(rows.map((r) => [r.name, r]));
    const expected: [string, string, string][] = [
      ['dlv_logs_provider_msg_idx', 'deliverability_logs', 'provider_message_id'],
      ['dlv_logs_due_idx', 'deliverability_logs', 'next_attempt_at'],
      ['dlv_logs_contact_idx', 'deliverability_logs', 'contact_document_id'],
      ['dlv_addresses_key_uq', 'deliverability_addresses', 'address'],
    ];
    for (const [name, tableName, column] of expected) {
      expect(byName.get(name)?.tbl_name).toBe(tableName);
      expect(byName.get(name)?.sql).toContain(column);
    }
    expect(byName.get('dlv_addresses_key_uq')?.sql).toMatch(/UNIQUE/i);
  });
});

describe('contacts in the Content Manager', () => {
  it('creates a contact, normalizing the mobile number, with active statuses', async () => {
    const response = await request(app.server)
      .post(CM)
      .set('Authorization', `Bearer ${token}`)
      .send({ firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Example.ac.uk', mobile: '+44 7700 900123', externalId: 'S-1' });
    expect(response.body.error).toBeUndefined();
    expect(response.status).toBe(201);
    expect(response.body.data).toMatchObject({
      email: 'ada@example.ac.uk',
      mobile: '+447700900123',
      emailStatus: 'active',
      mobileStatus: 'active',
    });
  });

  it('refuses a mobile number that is not E.164 with a 400 that says what is expected', async () => {
    const response = await request(app.server)
      .post(CM)
      .set('Authorization', `Bearer ${token}`)
      .send({ firstName: 'Bad', email: 'bad-mobile@example.ac.uk', mobile: '07700 900123' });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/E\.164/);
    const stored = await app.strapi.db.query(CONTACT).findMany({ where: { email: 'bad-mobile@example.ac.uk' } });
    expect(stored).toHaveLength(0);
  });

  it('does not let an editor set the status mirror by hand', async () => {
    const response = await request(app.server)
      .post(CM)
      .set('Authorization', `Bearer ${token}`)
      .send({ firstName: 'Sneaky', email: 'sneaky@example.ac.uk', emailStatus: 'failed', emailStatusReason: 'typed by hand' });
    expect(response.status).toBe(201);
    expect(response.body.data.emailStatus).toBe('active');
    expect(response.body.data.emailStatusReason).toBeNull();
  });

  it('refuses a second contact with the same external id', async () => {
    const first = await request(app.server).post(CM).set('Authorization', `Bearer ${token}`).send({ firstName: 'One', externalId: 'DUP-1' });
    expect(first.status).toBe(201);
    const second = await request(app.server).post(CM).set('Authorization', `Bearer ${token}`).send({ firstName: 'Two', externalId: 'DUP-1' });
    expect(second.status).toBe(400);
  });
});

describe('the status mirror follows the address', () => {
  it('shows the ledger status of the new address when the email changes, and active for an unknown one', async () => {
    const intake = app.strapi.plugin('deliverability').service('intake') as { apply(events: NormalizedEvent[]): Promise<unknown> };
    await intake.apply([hardBounce('gone@example.ac.uk', 'test:gone-1')]);

    const created = await request(app.server)
      .post(CM)
      .set('Authorization', `Bearer ${token}`)
      .send({ firstName: 'Moving', email: 'moving@example.ac.uk' });
    expect(created.body.data.emailStatus).toBe('active');
    const id = created.body.data.documentId as string;

    const toFailed = await request(app.server).put(`${CM}/${id}`).set('Authorization', `Bearer ${token}`).send({ email: 'GONE@example.ac.uk' });
    expect(toFailed.status).toBe(200);
    expect(toFailed.body.data.emailStatus).toBe('failed');
    expect(toFailed.body.data.emailStatusReason).toMatch(/Hard bounce/);

    const back = await request(app.server).put(`${CM}/${id}`).set('Authorization', `Bearer ${token}`).send({ email: 'new@example.ac.uk' });
    expect(back.body.data.emailStatus).toBe('active');
    expect(back.body.data.emailStatusReason).toBeNull();
  });

  it('updates the mirror of every contact on an address when the ledger changes', async () => {
    const create = (firstName: string) =>
      request(app.server).post(CM).set('Authorization', `Bearer ${token}`).send({ firstName, email: 'shared@example.ac.uk' });
    const a = await create('Sibling A');
    const b = await create('Sibling B');
    const intake = app.strapi.plugin('deliverability').service('intake') as { apply(events: NormalizedEvent[]): Promise<unknown> };
    await intake.apply([hardBounce('shared@example.ac.uk', 'test:shared-1')]);
    for (const created of [a, b]) {
      const row = await app.strapi.db.query(CONTACT).findOne({ where: { documentId: created.body.data.documentId } });
      expect(row.emailStatus).toBe('failed');
    }
  });
});
