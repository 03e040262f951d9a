/**
 * Demo data for the playground: an admin user and about twenty students, some of whom have
 * already had trouble (a hard-bounced email, a soft-bouncing one, a failed mobile, an opted-out
 * mobile, a spam complaint). Their history goes through the plugin's real intake, so Full Logs
 * show the same events and reasons that live provider reports would leave. Runs once: a second
 * start finds the students and changes nothing.
 */
import type { Core } from '@strapi/strapi';
import { seedCriticalAndHeld } from './seed-critical';

const CONTACT = 'plugin::deliverability.contact';
export const DEMO_ADMIN = {
  email: process.env.DEMO_ADMIN_EMAIL ?? 'admin@playground.local',
  password: process.env.DEMO_ADMIN_PASSWORD ?? 'Playground-1',
};

interface DemoStudent {
  firstName: string;
  lastName: string;
  email: string;
  mobile?: string;
  story?: 'hard_bounce' | 'soft_bounce' | 'sms_failed' | 'sms_opt_out' | 'complaint' | 'delivered';
}

const STUDENTS: DemoStudent[] = [
  { firstName: 'Amira', lastName: 'Haddad', email: 'amira.haddad@bounce.test', mobile: '+447700900101', story: 'hard_bounce' },
  { firstName: 'Ben', lastName: 'Okafor', email: 'ben.okafor@full.test', mobile: '+447700900102', story: 'soft_bounce' },
  { firstName: 'Chloe', lastName: 'Martin', email: 'chloe.martin@example.ac.uk', mobile: '+447700900103', story: 'sms_failed' },
  { firstName: 'Dev', lastName: 'Patel', email: 'dev.patel@example.ac.uk', mobile: '+447700900104', story: 'sms_opt_out' },
  { firstName: 'Elena', lastName: 'Rossi', email: 'elena.rossi@complain.test', mobile: '+447700900105', story: 'complaint' },
  { firstName: 'Farah', lastName: 'Khan', email: 'farah.khan@example.ac.uk', mobile: '+447700900106', story: 'delivered' },
  { firstName: 'George', lastName: 'Evans', email: 'george.evans@example.ac.uk', mobile: '+447700900107', story: 'delivered' },
  { firstName: 'Hana', lastName: 'Sato', email: 'hana.sato@example.ac.uk', mobile: '+447700900108' },
  { firstName: 'Ibrahim', lastName: 'Diallo', email: 'ibrahim.diallo@example.ac.uk', mobile: '+447700900109' },
  { firstName: 'Julia', lastName: 'Nowak', email: 'julia.nowak@example.ac.uk', mobile: '+447700900110' },
  { firstName: 'Kofi', lastName: 'Mensah', email: 'kofi.mensah@example.ac.uk', mobile: '+447700900111' },
  { firstName: 'Lucia', lastName: 'Fernandez', email: 'lucia.fernandez@example.ac.uk', mobile: '+447700900112' },
  { firstName: 'Mei', lastName: 'Chen', email: 'mei.chen@example.ac.uk', mobile: '+447700900113' },
  { firstName: 'Noah', lastName: 'Williams', email: 'noah.williams@example.ac.uk' },
  { firstName: 'Olga', lastName: 'Ivanova', email: 'olga.ivanova@example.ac.uk', mobile: '+447700900115' },
  { firstName: 'Pedro', lastName: 'Santos', email: 'pedro.santos@example.ac.uk', mobile: '+447700900116' },
  { firstName: 'Quinn', lastName: 'Murphy', email: 'quinn.murphy@example.ac.uk', mobile: '+447700900117' },
  { firstName: 'Rania', lastName: 'Aziz', email: 'rania.aziz@example.ac.uk', mobile: '+447700900118' },
  { firstName: 'Sam', lastName: 'Taylor', email: 'sam.taylor@example.ac.uk', mobile: '+447700900119' },
  { firstName: 'Tomas', lastName: 'Novak', email: 'tomas.novak@example.ac.uk', mobile: '+447700900120' },
];

async function ensureAdmin(strapi: Core.Strapi): Promise<void> {
  const users = strapi.service('admin::user') as { exists(q?: unknown): Promise<boolean>; create(data: unknown): Promise<unknown> };
  const roles = strapi.service('admin::role') as { getSuperAdmin(): Promise<{ id: number } | null> };
  if (await users.exists({ email: DEMO_ADMIN.email })) return;
  const superAdmin = await roles.getSuperAdmin();
  await users.create({
    email: DEMO_ADMIN.email,
    password: DEMO_ADMIN.password,
    firstname: 'Playground',
    lastname: 'Admin',
    isActive: true,
    roles: superAdmin ? [superAdmin.id] : [],
  });
}

type Demo = NonNullable<DemoStudent['story']>;

/** What happened to each story's student, as the events a provider would have reported. */
function storyEvents(story: Demo, student: DemoStudent, logId: string, at: number) {
  const base = { provider: 'sandbox' as const, correlationId: logId, attempt: 1, providerMessageId: `demo-${logId}`, severity: null };
  const email = { ...base, channel: 'email' as const, address: student.email };
  const sms = { ...base, channel: 'sms' as const, address: student.mobile ?? '' };
  const key = (suffix: string) => `sandbox:demo:${logId}:${suffix}`;
  switch (story) {
    case 'hard_bounce':
      return [{ ...email, kind: 'hard_bounce', eventKey: key('bounce'), occurredAt: at, rawType: 'bounce', rawCode: '550 5.1.1', rawText: 'The email account that you tried to reach does not exist.', severity: 'permanent' }];
    case 'soft_bounce':
      return [{ ...email, kind: 'soft_bounce', eventKey: key('soft'), occurredAt: at, rawType: 'bounce', rawCode: '452 4.2.2', rawText: 'Mailbox full', severity: 'transient' }];
    case 'complaint':
      return [
        { ...email, kind: 'delivered', eventKey: key('delivered'), occurredAt: at - 60_000, rawType: 'delivered', rawCode: '250', rawText: 'OK' },
        { ...email, kind: 'complaint', eventKey: key('spam'), occurredAt: at, rawType: 'spamreport', rawCode: null, rawText: null },
      ];
    case 'delivered':
      return [{ ...email, kind: 'delivered', eventKey: key('delivered'), occurredAt: at, rawType: 'delivered', rawCode: '250', rawText: 'OK' }];
    case 'sms_failed':
      return [{ ...sms, kind: 'hard_bounce', eventKey: key('undelivered'), occurredAt: at, rawType: 'undelivered', rawCode: '30005', rawText: 'Unknown destination handset', severity: 'permanent' }];
    case 'sms_opt_out':
      return [{ ...sms, kind: 'opt_out', eventKey: key('optout'), occurredAt: at, rawType: 'failed', rawCode: '21610', rawText: 'Attempt to send to unsubscribed recipient', severity: 'permanent' }];
  }
}

const DAY = 86_400_000;

/** Older newsletters, delivered, spread over the last four weeks so the reports chart has a history. */
async function seedNewsletters(strapi: Core.Strapi, contactId: string, student: DemoStudent, index: number, now: number): Promise<void> {
  const intake = strapi.plugin('deliverability').service('intake') as { apply(events: unknown[]): Promise<unknown> };
  for (const daysAgo of [2 + (index % 5), 9 + (index % 7), 16 + (index % 9), 24 + (index % 5)]) {
    const at = now - daysAgo * DAY;
    const log = await strapi.db.query('plugin::deliverability.delivery-log').create({
      data: {
        channel: 'email',
        address: student.email,
        contactType: CONTACT,
        contactDocumentId: contactId,
        source: 'grab',
        sourceName: 'Weekly newsletter',
        status: 'sent',
        attempts: 1,
        firstAttemptAt: new Date(at),
        provider: 'sandbox',
        content: { subject: 'This week at college', text: 'News' },
        createdAt: new Date(at),
      },
    });
    await intake.apply([
      {
        provider: 'sandbox',
        channel: 'email',
        kind: 'delivered',
        address: student.email,
        providerMessageId: null,
        correlationId: log.documentId,
        attempt: 1,
        eventKey: `sandbox:demo:${log.documentId}:delivered`,
        occurredAt: at + 60_000,
        rawType: 'delivered',
        rawCode: '250',
        rawText: 'OK',
        severity: null,
      },
    ]);
  }
}

export async function seedDemo(strapi: Core.Strapi): Promise<void> {
  await ensureAdmin(strapi);
  const existing = await strapi.db.query(CONTACT).count();
  if (existing === 0) {
    const intake = strapi.plugin('deliverability').service('intake') as { apply(events: unknown[]): Promise<unknown> };
    const now = Date.now();
    for (const [index, student] of STUDENTS.entries()) {
      const contact = await strapi.documents(CONTACT).create({
        data: { firstName: student.firstName, lastName: student.lastName, email: student.email, mobile: student.mobile, externalId: `STU-${1001 + index}` },
      });
      await seedNewsletters(strapi, contact.documentId, student, index, now);
      if (!student.story) continue;
      const channel = student.story.startsWith('sms') ? 'sms' : 'email';
      const sentAt = now - (STUDENTS.length - index) * 3_600_000;
      const log = await strapi.db.query('plugin::deliverability.delivery-log').create({
        data: {
          channel,
          address: channel === 'sms' ? student.mobile : student.email,
          contactType: CONTACT,
          contactDocumentId: contact.documentId,
          source: 'touchpoint',
          sourceName: channel === 'sms' ? 'Enrolment reminder (SMS)' : 'Welcome to your course',
          status: 'sent',
          attempts: 1,
          firstAttemptAt: new Date(sentAt),
          provider: 'sandbox',
          providerMessageId: `demo-pending`,
          content: channel === 'sms' ? { body: 'Your enrolment closes on Friday.' } : { subject: 'Welcome to your course', text: 'Welcome!' },
        },
      });
      await strapi.db.query('plugin::deliverability.delivery-log').update({ where: { id: log.id }, data: { providerMessageId: `demo-${log.documentId}` } });
      await intake.apply(storyEvents(student.story, student, log.documentId, sentAt + 120_000));
    }
    // A report about mail another system sent through the same account: it matches no message, and
    // its long ids and text are what the unmatched-events table must still fit at 1440 px.
    await intake.apply([
      {
        provider: 'sandbox',
        channel: 'email',
        kind: 'delivered',
        address: 'alumni.office@other-system.example.ac.uk',
        providerMessageId: 'other-system-0f5e1c7a-9b2d-4e61-8c3f-2a7d9e4b6c10.filter0123p1las1-12345-67890ABCDEF-1',
        correlationId: null,
        attempt: null,
        eventKey: 'sandbox:demo:other-system:delivered',
        occurredAt: now - 30 * 60_000,
        rawType: 'delivered',
        rawCode: '250',
        rawText: '250 2.0.0 OK 1732960000 d75a77b69052e-4613d5b6a2esi12345678qtb.112 - gsmtp (queued as 4Xyz0Abc1Def2Ghi3Jkl)',
        severity: null,
      },
    ]);
    // The history above was written straight into the tables: the reports' counts are recounted from it.
    await strapi.plugin('deliverability').service('report-rollup').rebuild();
    // Sent through the plugin (after the recount, which the sending path keeps up to date itself).
    await seedCriticalAndHeld(strapi);
    strapi.log.info(`[playground] Seeded ${STUDENTS.length} demo students.`);
  }
  const url = `http://localhost:${process.env.PORT ?? 1337}/admin`;
  // The login is a local, test-only account: printing it is the point of the demo.
  console.log(`\n  Playground ready: ${url}\n  Log in as ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}\n`);
}
