/**
 * Which mailbox provider an email address is with, so that reports can show a block by one of
 * them (Gmail throttling the campus, say) as such rather than as a general rise in bounces. The
 * campus's own domains (and their subdomains) come first; then the big consumer providers by
 * their public domains; every other domain is reported by name.
 */
export type MailboxProvider = 'campus' | 'gmail' | 'microsoft' | 'yahoo' | 'other';

const PUBLIC_DOMAINS: Record<string, MailboxProvider> = {
  'gmail.com': 'gmail',
  'googlemail.com': 'gmail',
  'outlook.com': 'microsoft',
  'hotmail.com': 'microsoft',
  'hotmail.co.uk': 'microsoft',
  'hotmail.fr': 'microsoft',
  'live.com': 'microsoft',
  'live.co.uk': 'microsoft',
  'msn.com': 'microsoft',
  'outlook.fr': 'microsoft',
  'yahoo.com': 'yahoo',
  'yahoo.co.uk': 'yahoo',
  'yahoo.fr': 'yahoo',
  'ymail.com': 'yahoo',
  'rocketmail.com': 'yahoo',
  // AOL mail runs on Yahoo's platform and shares its sender requirements.
  'aol.com': 'yahoo',
};

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

export function mailboxProviderOf(address: string, campusDomains: readonly string[]): MailboxProvider {
  const domain = domainOf(address);
  if (campusDomains.some((campus) => domain === campus || domain.endsWith(`.${campus}`))) return 'campus';
  return PUBLIC_DOMAINS[domain] ?? 'other';
}
