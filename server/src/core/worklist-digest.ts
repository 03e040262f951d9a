/**
 * The worklist's daily digest, the pure part: which entries are new (a suppression recorded in
 * the last day), the day a run belongs to (its claim key, the same on every instance), and the
 * email's words. The digest names students and what failed, never their addresses: it goes to a
 * shared mailbox, and the worklist page (linked) shows the rest to those allowed to see it.
 */
import type { WorklistItem } from '../contract';

export const DIGEST_PERIOD_MS = 24 * 3_600_000;

/** The run's day, UTC: two instances whose cron fired at the same scheduled minute claim the same day. */
export function digestDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Entries whose newest suppression falls in the day before `now`. */
export function newEntries(items: WorklistItem[], now: number): WorklistItem[] {
  const from = now - DIGEST_PERIOD_MS;
  return items.filter((item) => {
    const since = item.since ? Date.parse(item.since) : NaN;
    return since > from && since <= now;
  });
}

const STATE_WORDS: Record<string, string> = {
  failed: 'failed',
  soft_bouncing: 'soft-bouncing',
  complained: 'reported as spam',
  unsubscribed: 'unsubscribed',
  opted_out: 'opted out of texts',
};

function line(item: WorklistItem): string {
  const what = item.addresses
    .filter((a) => a.state !== 'active')
    .map((a) => `${a.channel === 'email' ? 'email' : 'mobile'} ${STATE_WORDS[a.state] ?? a.state}`)
    .join(', ');
  return `- ${item.contact.displayName}${item.contact.externalId ? ` (${item.contact.externalId})` : ''}: ${what}`;
}

export interface DigestEmail {
  subject: string;
  text: string;
}

export function digestEmail(fresh: WorklistItem[], total: number, worklistUrl: string | null): DigestEmail {
  const subject = `Students who cannot be reached: ${fresh.length} new today, ${total} in all`;
  const body = [
    fresh.length === 0
      ? 'No student joined the worklist in the last day.'
      : `${fresh.length} student(s) joined the worklist in the last day: an address failed and they have no working alternative.`,
    '',
    ...fresh.map(line),
    ...(fresh.length > 0 ? [''] : []),
    `${total} student(s) are on the worklist in all.`,
    ...(worklistUrl ? ['', `Fix their addresses from the worklist: ${worklistUrl}`] : []),
  ];
  return { subject, text: body.join('\n') };
}
