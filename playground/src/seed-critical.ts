/**
 * Demo data for issue 17, sent through the plugin's real sending path (not written into the tables):
 * - a critical email to Amira, whose address hard-bounced: it is dropped, and its SMS version goes
 *   in its place, the two linked in her Full Logs;
 * - a bulk SMS to Ibrahim, whose own time zone (the Contact's `timeZone`) is chosen at seed time as one
 *   where it is now the middle of the night: the bulk worker holds it, "Scheduled for …" the window's
 *   end on her clock.
 */
import type { Core } from '@strapi/strapi';

const CONTACT = 'plugin::deliverability.contact';
export const CRITICAL_STUDENT_EMAIL = 'amira.haddad@bounce.test';
export const NIGHT_STUDENT_EMAIL = 'ibrahim.diallo@example.ac.uk';

/** Zones a few hours apart all round the world: at any hour, one of them is deep in the night. */
const ZONES = [
  'Pacific/Honolulu',
  'America/Los_Angeles',
  'America/New_York',
  'America/Sao_Paulo',
  'Europe/London',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Pacific/Auckland',
];
const MIDDLE_OF_THE_NIGHT = 2 * 60 + 30;

function localMinutes(zone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(
    at,
  );
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part('hour') * 60 + part('minute');
}

/** The zone whose clock now reads closest to 02:30 (the playground's quiet hours are 21:00–08:00). */
export function nightZone(at: Date): string {
  const distance = (zone: string) => {
    const gap = Math.abs(localMinutes(zone, at) - MIDDLE_OF_THE_NIGHT);
    return Math.min(gap, 1440 - gap);
  };
  return ZONES.reduce((best, zone) => (distance(zone) < distance(best) ? zone : best));
}

async function contactByEmail(strapi: Core.Strapi, email: string): Promise<{ documentId: string }> {
  const row = await strapi.db.query(CONTACT).findOne({ where: { email } });
  if (!row) throw new Error(`[playground] no demo student ${email}`);
  return row as { documentId: string };
}

export async function seedCriticalAndHeld(strapi: Core.Strapi): Promise<void> {
  const messages = strapi.plugin('deliverability').service('messages');
  const amira = await contactByEmail(strapi, CRITICAL_STUDENT_EMAIL);
  await messages.send({
    channel: 'email',
    to: { contact: amira.documentId },
    subject: 'Registration hold',
    text: 'Your registration is on hold: please see the registry before Friday.',
    source: 'touchpoint',
    sourceName: 'Registration hold',
    category: 'critical',
    fallback: { body: 'Registration hold: please check your college email or call the registry before Friday.' },
  });

  // The bulk-send browser test starts from no bulk send at all.
  if (process.env.DELIVERABILITY_DEMO_HELD_SMS === 'false') return;
  const ibrahim = await contactByEmail(strapi, NIGHT_STUDENT_EMAIL);
  await strapi.documents(CONTACT).update({ documentId: ibrahim.documentId, data: { timeZone: nightZone(new Date()) } as never });
  await messages.sendBulk({
    channel: 'sms',
    body: 'Timetable change: your Monday lab moves to room B12.',
    sourceName: 'Timetable change (SMS)',
    category: 'transactional',
    recipients: { type: CONTACT, contacts: [ibrahim.documentId] },
  });
}
