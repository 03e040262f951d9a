/**
 * The institution's own student type as a contact source: checked at boot, used for sending,
 * suppression and mirrors through a field map, without changing the host's schema.
 */
import request from 'supertest';
import { adminToken, bootError, startApp, type TestApp } from '../helpers/app';
import type { NormalizedEvent } from '../../server/src/core/events';

const STUDENT = 'api::student.student';
const APPLICANT = 'api::applicant.applicant';

const studentSchema = {
  kind: 'collectionType',
  collectionName: 'students',
  info: { singularName: 'student', pluralName: 'students', displayName: 'Student' },
  options: { draftAndPublish: false },
  attributes: {
    firstName: { type: 'string' },
    lastName: { type: 'string' },
    studentNumber: { type: 'string', unique: true },
    email: { type: 'email' },
    mobilePhone: { type: 'string' },
  },
};

// A host type that chose to add the optional mirror fields for sorting and filtering.
const applicantSchema = {
  kind: 'collectionType',
  collectionName: 'applicants',
  info: { singularName: 'applicant', pluralName: 'applicants', displayName: 'Applicant' },
  options: { draftAndPublish: false },
  attributes: {
    name: { type: 'string' },
    email: { type: 'email' },
    emailStatus: { type: 'enumeration', enum: ['active', 'soft_bouncing', 'failed', 'complained', 'unsubscribed', 'opted_out'], default: 'active' },
    emailStatusReason: { type: 'text' },
    emailStatusAt: { type: 'datetime' },
  },
};

const hostFiles = {
  'src/api/student/content-types/student/schema.json': JSON.stringify(studentSchema),
  'src/api/applicant/content-types/applicant/schema.json': JSON.stringify(applicantSchema),
};

const contactsConfig = [
  { uid: 'plugin::deliverability.contact' },
  { uid: STUDENT, fields: { email: 'email', mobile: 'mobilePhone', externalId: 'studentNumber', displayName: ['firstName', 'lastName'] } },
  { uid: APPLICANT, fields: { email: 'email', displayName: 'name' } },
];

function hardBounce(address: string, key: string): NormalizedEvent {
  return {
    provider: 'sendgrid',
    channel: 'email',
    kind: 'hard_bounce',
    address,
    providerMessageId: null,
    correlationId: null,
    attempt: null,
    eventKey: key,
    occurredAt: Date.now(),
    rawType: 'bounce/bounce',
    rawCode: '550 5.1.1',
    rawText: 'user unknown',
    severity: 'permanent',
  };
}

describe('checked at boot', () => {
  it('names a content type that does not exist', async () => {
    const error = await bootError('host-missing-type', { files: hostFiles, pluginConfig: { contacts: [{ uid: 'api::learner.learner', fields: { email: 'email' } }] } });
    expect(error.message).toMatch(/the content type "api::learner\.learner" does not exist/);
  });

  it('names a mapped field that does not exist', async () => {
    const error = await bootError('host-missing-field', { files: hostFiles, pluginConfig: { contacts: [{ uid: STUDENT, fields: { email: 'email', mobile: 'mobile' } }] } });
    expect(error.message).toMatch(/the content type "api::student\.student" has no field "mobile"/);
    expect(error.message).toMatch(/mobilePhone/);
  });
});

describe('a host student type', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp('host', {
      files: hostFiles,
      pluginConfig: { contacts: contactsConfig, sending: { email: 'sandbox', sms: 'sandbox', sandbox: { reportDelayMs: 0 } }, retrier: { enabled: false } },
    });
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('leaves the host schema as it was, and marks the type for the admin badges', () => {
    const types = app.strapi.contentTypes as unknown as Record<string, { attributes: Record<string, unknown>; pluginOptions?: Record<string, unknown> }>;
    expect(Object.keys(types[STUDENT].attributes).filter((a) => !['createdAt', 'updatedAt', 'publishedAt', 'createdBy', 'updatedBy', 'locale', 'localizations', 'documentId'].includes(a)).sort()).toEqual(
      Object.keys(studentSchema.attributes).sort(),
    );
    expect(types[STUDENT].pluginOptions?.deliverability).toMatchObject({ tracked: true, fields: { email: 'email', mobile: 'mobilePhone' }, mirror: [] });
    expect(types[APPLICANT].pluginOptions?.deliverability).toMatchObject({ tracked: true, mirror: ['email'] });
  });

  it('sends to a student by documentId and type, using the mapped mobile field', async () => {
    const student = await app.strapi.documents(STUDENT).create({ data: { firstName: 'Kofi', lastName: 'Mensah', studentNumber: 'S-77', email: 'kofi@college.example', mobilePhone: '+44 7700 900555' } });
    const messages = app.strapi.plugin('deliverability').service('messages') as { send(i: unknown): Promise<{ id: string; status: string; contact: unknown; address: string }> };
    const sms = await messages.send({ channel: 'sms', to: { contact: student.documentId, type: STUDENT }, body: 'Your exam is at 9' });
    expect(sms.status).toBe('sent');
    expect(sms.address).toBe('+447700900555');
    expect(sms.contact).toEqual({ type: STUDENT, documentId: student.documentId });
    await expect(messages.send({ channel: 'sms', to: { contact: student.documentId, type: 'api::learner.learner' }, body: 'x' })).rejects.toThrow(/to\.type/);
  });

  it('suppresses a student address through the ledger and leaves the student row alone', async () => {
    const student = await app.strapi.documents(STUDENT).create({ data: { firstName: 'Amira', studentNumber: 'S-78', email: 'amira@college.example' } });
    const before = await app.strapi.db.query(STUDENT).findOne({ where: { documentId: student.documentId } });
    const intake = app.strapi.plugin('deliverability').service('intake') as { apply(e: NormalizedEvent[]): Promise<unknown> };
    await intake.apply([hardBounce('amira@college.example', 'host:1')]);
    const after = await app.strapi.db.query(STUDENT).findOne({ where: { documentId: student.documentId } });
    expect(after).toEqual(before);
    const ledger = await app.strapi.db.query('plugin::deliverability.address').findOne({ where: { channel: 'email', address: 'amira@college.example' } });
    expect(ledger.state).toBe('failed');
    const messages = app.strapi.plugin('deliverability').service('messages') as { send(i: unknown): Promise<{ status: string }> };
    const dropped = await messages.send({ channel: 'email', to: { contact: student.documentId, type: STUDENT }, subject: 'Exam', text: 'Hello' });
    expect(dropped.status).toBe('dropped');
  });

  it('keeps the optional mirror fields of a host type in sync, including when the email changes', async () => {
    const intake = app.strapi.plugin('deliverability').service('intake') as { apply(e: NormalizedEvent[]): Promise<unknown> };
    const applicant = await app.strapi.documents(APPLICANT).create({ data: { name: 'Lena', email: 'lena@college.example' } });
    await intake.apply([hardBounce('lena@college.example', 'host:2')]);
    let row = await app.strapi.db.query(APPLICANT).findOne({ where: { documentId: applicant.documentId } });
    expect(row.emailStatus).toBe('failed');
    expect(row.emailStatusReason).toMatch(/Hard bounce/);

    await app.strapi.documents(APPLICANT).update({ documentId: applicant.documentId, data: { email: 'lena.new@college.example' } as never });
    row = await app.strapi.db.query(APPLICANT).findOne({ where: { documentId: applicant.documentId } });
    expect(row.emailStatus).toBe('active');
    await app.strapi.documents(APPLICANT).update({ documentId: applicant.documentId, data: { email: 'amira@college.example' } as never });
    row = await app.strapi.db.query(APPLICANT).findOne({ where: { documentId: applicant.documentId } });
    expect(row.emailStatus).toBe('failed');
  });

  it("keeps the plugin's Contact type in the Content Manager when it is one of the contact sources", async () => {
    const token = await adminToken(app);
    const response = await request(app.server).get('/content-manager/content-types').set('Authorization', `Bearer ${token}`);
    const visible = (response.body.data as { uid: string; isDisplayed: boolean }[]).filter((t) => t.isDisplayed).map((t) => t.uid);
    expect(visible).toEqual(expect.arrayContaining(['plugin::deliverability.contact', STUDENT, APPLICANT]));
  });

  it('lets the Content Manager create students as before', async () => {
    const token = await adminToken(app);
    const response = await request(app.server)
      .post(`/content-manager/collection-types/${STUDENT}`)
      .set('Authorization', `Bearer ${token}`)
      .send({ firstName: 'Via', lastName: 'Admin', studentNumber: 'S-79', email: 'via.admin@college.example' });
    expect(response.status).toBe(201);
    expect(response.body.data.email).toBe('via.admin@college.example');
  });
});
