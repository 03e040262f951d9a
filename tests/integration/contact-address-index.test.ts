/**
 * Addresses as institutions store them: a host student type keeps `Jane@College.ac.uk` and
 * `+44 7700 900555` as typed, and the plugin still finds the student by the normalized address
 * (status mirror, sends by address), through its contact-address index. Rows that existed before
 * the type was configured are back-filled at boot; writes through the Document Service keep it in step.
 */
import { randomUUID } from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { startApp, type TestApp } from '../helpers/app';
import { nowSeconds, postWebhook, sendgridHeaders, vectors } from '../helpers/webhooks';

const STUDENT = 'api::student.student';
const APPLICANT = 'api::applicant.applicant';
const CONTACT = 'plugin::deliverability.contact';
const INDEX = 'plugin::deliverability.contact-address';

const statusEnum = { type: 'enumeration', enum: ['active', 'soft_bouncing', 'failed', 'complained', 'unsubscribed', 'opted_out'], default: 'active' };
const studentSchema = {
  kind: 'collectionType',
  collectionName: 'students',
  info: { singularName: 'student', pluralName: 'students', displayName: 'Student' },
  options: { draftAndPublish: false },
  attributes: {
    name: { type: 'string' },
    emailAddress: { type: 'string' },
    phone: { type: 'string' },
    emailStatus: statusEnum,
    emailStatusReason: { type: 'text' },
    emailStatusAt: { type: 'datetime' },
    mobileStatus: statusEnum,
    mobileStatusReason: { type: 'text' },
    mobileStatusAt: { type: 'datetime' },
  },
};
// A type with drafts: a document has a draft row and, once published, a published row.
const applicantSchema = {
  kind: 'collectionType',
  collectionName: 'applicants',
  info: { singularName: 'applicant', pluralName: 'applicants', displayName: 'Applicant' },
  options: { draftAndPublish: true },
  attributes: { name: { type: 'string' }, email: { type: 'string' } },
};
const files = {
  'src/api/student/content-types/student/schema.json': JSON.stringify(studentSchema),
  'src/api/applicant/content-types/applicant/schema.json': JSON.stringify(applicantSchema),
};

const baseConfig = {
  providers: { sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der } },
  sending: { email: 'sandbox', sms: 'sandbox', sandbox: { reportDelayMs: 0 }, defaultCountry: 'GB' },
  retrier: { enabled: false },
};
// Before: the site has the plugin, but its student type is not a contact source yet.
const beforeConfig = { ...baseConfig, contacts: [{ uid: CONTACT }] };
const withStudents = {
  ...baseConfig,
  contacts: [
    { uid: CONTACT },
    { uid: STUDENT, fields: { email: 'emailAddress', mobile: 'phone', displayName: 'name' } },
    { uid: APPLICANT, fields: { email: 'email', displayName: 'name' } },
  ],
};

const BULK = 2_500; // more than one back-fill batch

let app: TestApp;
let jane: string;
let ownContact: string;

const indexRows = async (strapi: Core.Strapi, where: Record<string, unknown> = {}) =>
  (await strapi.db.query(INDEX).findMany({ where, orderBy: [{ id: 'asc' }] })) as { contactType: string; contactDocumentId: string; channel: string; address: string }[];
const entriesOf = async (documentId: string) =>
  (await indexRows(app.strapi, { contactDocumentId: documentId })).map((r) => `${r.channel}:${r.address}`).sort();
const studentRow = async (documentId: string) => app.strapi.db.query(STUDENT).findOne({ where: { documentId } });

function bounce(address: string) {
  return JSON.stringify([
    {
      email: address,
      timestamp: nowSeconds(),
      event: 'bounce',
      type: 'bounce',
      sg_event_id: randomUUID(),
      sg_message_id: `unrelated.${randomUUID()}`,
      reason: '550 5.1.1 The email account that you tried to reach does not exist.',
      status: '5.1.1',
    },
  ]);
}

beforeAll(async () => {
  // Rows written before the type was configured, straight through the Query Engine.
  const before = await startApp('address-index', { files, pluginConfig: beforeConfig });
  const janeRow = await before.strapi.db.query(STUDENT).create({ data: { name: 'Jane Doe', emailAddress: 'Jane@College.ac.uk', phone: '+44 7700 900555' } });
  jane = janeRow.documentId;
  await before.strapi.db.query(STUDENT).createMany({
    data: Array.from({ length: BULK }, (_, i) => ({ name: `Bulk ${i}`, emailAddress: `Bulk.${i}@College.ac.uk`, documentId: `bulk-${i}` })),
  });
  const own = await before.strapi.db.query(CONTACT).create({ data: { firstName: 'Own', email: 'own@college.ac.uk' } });
  ownContact = own.documentId;
  await before.stop();
  app = await startApp('address-index', { pluginConfig: withStudents }, before.dir);
});

afterAll(async () => {
  await app?.stop();
});

describe('the back-fill at boot', () => {
  it('indexes the rows that existed before, by their normalized addresses', async () => {
    expect(await entriesOf(jane)).toEqual(['email:jane@college.ac.uk', 'sms:+447700900555']);
    // Jane's email and mobile, and each bulk student's email.
    expect(await app.strapi.db.query(INDEX).count({ where: { contactType: STUDENT } })).toBe(BULK + 2);
    expect(await entriesOf('bulk-2499')).toEqual(['email:bulk.2499@college.ac.uk']);
    // The plugin's own Contact is a contact source like any other.
    expect(await indexRows(app.strapi, { contactType: CONTACT, contactDocumentId: ownContact })).toMatchObject([{ channel: 'email', address: 'own@college.ac.uk' }]);
  });

  it('changes nothing when Strapi starts again', async () => {
    const before = await indexRows(app.strapi);
    const dir = app.dir;
    await app.stop();
    app = await startApp('address-index', { pluginConfig: withStudents }, dir);
    expect(await indexRows(app.strapi)).toEqual(before);
  });
});

describe('a host student with addresses as typed', () => {
  it('a signed bounce webhook for jane@college.ac.uk sets her status mirror', async () => {
    const body = bounce('jane@college.ac.uk');
    const response = await postWebhook(app, 'sendgrid', body, sendgridHeaders(body));
    expect(response.status).toBe(200);
    const row = await studentRow(jane);
    expect(row.emailStatus).toBe('failed');
    expect(row.emailStatusReason).toMatch(/Hard bounce/);
    // The host's own column is left as the site typed it.
    expect(row.emailAddress).toBe('Jane@College.ac.uk');
  });

  it('links a send by address to the student', async () => {
    const messages = app.strapi.plugin('deliverability').service('messages') as { send(i: unknown): Promise<{ contact: unknown; address: string }> };
    const sms = await messages.send({ channel: 'sms', to: { address: '07700 900555' }, body: 'Your exam is at 9' });
    expect(sms.address).toBe('+447700900555');
    expect(sms.contact).toEqual({ type: STUDENT, documentId: jane });
  });

  it('moves the index when the email changes through the Document Service, and drops it on delete', async () => {
    await app.strapi.documents(STUDENT).update({ documentId: jane, data: { emailAddress: 'Jane.Doe@College.AC.UK' } as never });
    expect(await entriesOf(jane)).toEqual(['email:jane.doe@college.ac.uk', 'sms:+447700900555']);
    const contacts = app.strapi.plugin('deliverability').service('contacts') as { findByAddress(c: string, a: string): Promise<{ documentId: string }[]> };
    expect(await contacts.findByAddress('email', 'jane@college.ac.uk')).toEqual([]);
    expect((await contacts.findByAddress('email', 'JANE.DOE@college.ac.uk')).map((c) => c.documentId)).toEqual([jane]);

    const created = await app.strapi.documents(STUDENT).create({ data: { name: 'Max', emailAddress: ' Max@College.ac.uk ', phone: '07700 900556' } as never });
    expect(await entriesOf(created.documentId)).toEqual(['email:max@college.ac.uk', 'sms:+447700900556']);
    await app.strapi.documents(STUDENT).delete({ documentId: created.documentId });
    expect(await entriesOf(created.documentId)).toEqual([]);
  });

  it('keeps the own Contact in the index through the Document Service too', async () => {
    const contact = await app.strapi.documents(CONTACT).create({ data: { firstName: 'Ada', email: 'Ada@College.ac.uk' } as never });
    expect(await entriesOf(contact.documentId)).toEqual(['email:ada@college.ac.uk']);
  });
});

describe('a host type with drafts', () => {
  it('indexes the addresses of the draft and the published version, and follows publish and delete', async () => {
    const draft = await app.strapi.documents(APPLICANT).create({ data: { name: 'Omar', email: 'Omar@College.ac.uk' } as never });
    expect(await entriesOf(draft.documentId)).toEqual(['email:omar@college.ac.uk']);
    await app.strapi.documents(APPLICANT).publish({ documentId: draft.documentId });
    await app.strapi.documents(APPLICANT).update({ documentId: draft.documentId, data: { email: 'Omar.New@College.ac.uk' } as never });
    // The published version still has the old address until the draft is published.
    expect(await entriesOf(draft.documentId)).toEqual(['email:omar.new@college.ac.uk', 'email:omar@college.ac.uk']);
    await app.strapi.documents(APPLICANT).publish({ documentId: draft.documentId });
    expect(await entriesOf(draft.documentId)).toEqual(['email:omar.new@college.ac.uk']);
    const before = await indexRows(app.strapi);
    await app.strapi.documents(APPLICANT).delete({ documentId: draft.documentId });
    expect(await entriesOf(draft.documentId)).toEqual([]);
    // Only that document's entry went.
    expect((await indexRows(app.strapi)).length).toBe(before.length - 1);
  });
});
