/**
 * Fixing an address: an editor gives a student whose email failed a new address. The new address
 * starts clean (its own ledger entry), the old one stays suppressed (for anyone else who has it),
 * and the student's Full Logs records the change, the two states and who made it.
 */
import request from 'supertest';
import { adminToken, startApp, type TestApp } from '../helpers/app';
import { applyEvents, createContact, eventFor, UID } from '../helpers/admin';
import { table } from '../../server/src/utils/plugin';

let app: TestApp;
let token: string;

beforeAll(async () => {
  app = await startApp('address-change');
  token = await adminToken(app);
});

afterAll(async () => {
  await app?.stop();
});

const contacts = () => app.strapi.documents(UID.contact as 'plugin::deliverability.contact');
const contactRow = (documentId: string) => table(app.strapi, UID.contact).findOne({ where: { documentId } });
const summary = (documentId: string) =>
  request(app.server).get(`/deliverability/contacts/${documentId}/summary`).set('Authorization', `Bearer ${token}`);

describe("changing a failed student's address", () => {
  let student: string;

  beforeAll(async () => {
    student = await createContact(app, {
      firstName: 'Karim',
      lastName: 'Benali',
      email: 'karim.old@example.ac.uk',
      mobile: '+447700900444',
    });
    await applyEvents(app, [
      eventFor(null, { address: 'karim.old@example.ac.uk', kind: 'hard_bounce', rawCode: '5.1.1', severity: 'permanent' }),
    ]);
    expect(await contactRow(student)).toMatchObject({ emailStatus: 'failed' });
    await contacts().update({ documentId: student, data: { email: 'Karim.New@example.ac.uk' } } as never);
  });

  it('judges the new address by its own ledger entry (clean) and leaves the old one suppressed', async () => {
    expect(await contactRow(student)).toMatchObject({ email: 'karim.new@example.ac.uk', emailStatus: 'active' });
    expect(await table(app.strapi, UID.address).findOne({ where: { channel: 'email', address: 'karim.old@example.ac.uk' } })).toMatchObject(
      { state: 'failed' },
    );
    expect(await table(app.strapi, UID.address).findOne({ where: { channel: 'email', address: 'karim.new@example.ac.uk' } })).toBeNull();
  });

  it("records the change in the student's Full Logs, with both states", async () => {
    const response = await summary(student);
    expect(response.status).toBe(200);
    expect(response.body.data.addressChanges).toHaveLength(1);
    expect(response.body.data.addressChanges[0]).toMatchObject({
      action: 'change-address',
      channel: 'email',
      address: 'karim.old@example.ac.uk',
      before: { address: 'karim.old@example.ac.uk', state: 'failed' },
      after: { address: 'karim.new@example.ac.uk', state: 'active' },
      actorName: 'API or script',
    });
  });

  it('gives a new address that failed before its own failed state, and records nothing for a change of an active address', async () => {
    await applyEvents(app, [eventFor(null, { address: 'karim.other@example.ac.uk', kind: 'complaint' })]);
    await contacts().update({ documentId: student, data: { email: 'karim.other@example.ac.uk' } } as never);
    expect(await contactRow(student)).toMatchObject({ emailStatus: 'complained' });
    // karim.new was active: changing it is not a fix, so nothing is recorded.
    expect((await summary(student)).body.data.addressChanges).toHaveLength(1);
    // A change of the mobile, which never failed, records nothing either.
    await contacts().update({ documentId: student, data: { mobile: '+447700900445' } } as never);
    expect((await summary(student)).body.data.addressChanges).toHaveLength(1);
  });

  it('names the admin who changed it through the Content Manager', async () => {
    const other = await createContact(app, { firstName: 'Sofia', lastName: 'Lind', email: 'sofia.old@example.ac.uk' });
    await applyEvents(app, [eventFor(null, { address: 'sofia.old@example.ac.uk', kind: 'hard_bounce' })]);
    const response = await request(app.server)
      .put(`/content-manager/collection-types/${UID.contact}/${other}`)
      .set('Authorization', `Bearer ${token}`)
      .send({ firstName: 'Sofia', lastName: 'Lind', email: 'sofia.new@example.ac.uk' });
    expect(response.status).toBe(200);
    const changes = (await summary(other)).body.data.addressChanges;
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ actorName: 'Test Admin', after: { address: 'sofia.new@example.ac.uk', state: 'active' } });
  });
});
