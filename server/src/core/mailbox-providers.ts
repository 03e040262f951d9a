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

/** Messages of one address in one status, as a grouped query answers them. */
export interface AddressStatusCount<S extends string> {
  address: string;
  status: S;
  count: number;
}

/** One row of a breakdown: a named provider (domain null), or one other domain (or, past the limit, the rest). */
export interface MailboxProviderGroup<S extends string> {
  provider: MailboxProvider;
  domain: string | null;
  counts: Record<S, number>;
}

const groupTotal = <S extends string>(group: MailboxProviderGroup<S>): number => Object.values<number>(group.counts).reduce((a, b) => a + b, 0);

/**
 * Messages by mailbox provider and status: one row per named provider, one per other domain, the
 * largest first. With `maxOtherDomains`, the other domains past that many (the smallest) are
 * merged into one `other` row whose domain is null, so a report stays readable on a site that
 * mails thousands of domains. The per-send breakdown and the general reports both group here.
 */
export function groupByMailboxProvider<S extends string>(
  rows: readonly AddressStatusCount<S>[],
  campusDomains: readonly string[],
  emptyCounts: () => Record<S, number>,
  maxOtherDomains = Infinity,
): MailboxProviderGroup<S>[] {
  const groups = new Map<string, MailboxProviderGroup<S>>();
  for (const row of rows) {
    const provider = mailboxProviderOf(row.address, campusDomains);
    const domain = provider === 'other' ? domainOf(row.address) : null;
    const key = `${provider}:${domain ?? ''}`;
    const group = groups.get(key) ?? { provider, domain, counts: emptyCounts() };
    group.counts[row.status] = (group.counts[row.status] ?? 0) + row.count;
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort((a, b) => groupTotal(b) - groupTotal(a) || (a.domain ?? '').localeCompare(b.domain ?? ''));
  const others = sorted.filter((g) => g.provider === 'other');
  if (others.length <= maxOtherDomains) return sorted;
  const kept = new Set(others.slice(0, maxOtherDomains));
  const rest: MailboxProviderGroup<S> = { provider: 'other', domain: null, counts: emptyCounts() };
  for (const group of others.slice(maxOtherDomains)) {
    for (const [status, n] of Object.entries(group.counts) as [S, number][]) rest.counts[status] += n;
  }
  return [...sorted.filter((g) => g.provider !== 'other' || kept.has(g)), rest];
}
