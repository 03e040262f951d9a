import type { WorklistItem } from '../contract';
import { digestDay, digestEmail, newEntries } from './worklist-digest';

const NOW = Date.UTC(2026, 10, 30, 7);

function item(name: string, sinceMs: number | null, externalId: string | null = null): WorklistItem {
  return {
    contact: { type: 'plugin::deliverability.contact', documentId: name, displayName: name, externalId, email: `${name}@example.ac.uk`, mobile: null },
    addresses: [{ channel: 'email', address: `${name}@example.ac.uk`, state: 'failed', reason: 'No such user', since: sinceMs === null ? null : new Date(sinceMs).toISOString() }],
    since: sinceMs === null ? null : new Date(sinceMs).toISOString(),
  } as WorklistItem;
}

describe('the worklist digest', () => {
  it('takes the entries of the last day only', () => {
    const items = [item('new', NOW - 3_600_000), item('edge', NOW - 24 * 3_600_000), item('old', NOW - 30 * 3_600_000), item('none', null)];
    expect(newEntries(items, NOW).map((i) => i.contact.displayName)).toEqual(['new']);
  });

  it('claims one run a UTC day', () => {
    expect(digestDay(NOW)).toBe('2026-11-30');
    expect(digestDay(Date.UTC(2026, 10, 30, 23, 59))).toBe('2026-11-30');
  });

  it('names the new students and what failed, counts all, links the worklist, and quotes no address', () => {
    const email = digestEmail([item('Aisha Noor', NOW, 'S-101')], 7, 'https://crm.example.ac.uk/admin/plugins/deliverability/worklist');
    expect(email.subject).toBe('Students who cannot be reached: 1 new today, 7 in all');
    expect(email.text).toContain('- Aisha Noor (S-101): email failed');
    expect(email.text).toContain('7 student(s) are on the worklist in all.');
    expect(email.text).toContain('https://crm.example.ac.uk/admin/plugins/deliverability/worklist');
    expect(email.text).not.toContain('@example.ac.uk');
    expect(digestEmail([], 0, null).text).toContain('No student joined the worklist in the last day.');
  });
});
