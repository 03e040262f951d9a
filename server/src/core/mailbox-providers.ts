/**
 * Which mailbox provider an email address is with, so that reports can show a block by one of
 * them (Gmail throttling the campus, say) as such rather than as a general rise in bounces. The
 * campus's own domains (and their subdomains) come first; then the big consumer providers by
 * their public domains; every other domain is reported by name.
 */
export type MailboxProvider = 'campus' | 'gmail' | 'microsoft' | 'yahoo' | 'other';

/** A public suffix these providers use: `.com`, `.fr`, `.co.uk`, `.com.au` (not `outlook.college.ac.uk`). */
const PUBLIC_SUFFIX = String.raw`\.(com|net|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$`;

/**
 * Consumer mailbox providers whose several domains are one receiving system: a block by Microsoft
 * is one problem whether the students are on outlook.com or hotmail.co.uk. `name` is how the
 * sender-block report shows them; `provider` is their row in the breakdowns by mailbox provider
 * (Apple and GMX have none of their own there and show by domain). A campus domain hosted on one
 * of them is shown under its own name (telling would need an MX look-up).
 */
export const CONSUMER_PROVIDERS: readonly { name: string; provider: MailboxProvider; pattern: RegExp }[] = [
  { name: 'Google', provider: 'gmail', pattern: /^(gmail\.com|googlemail\.com)$/ },
  { name: 'Microsoft', provider: 'microsoft', pattern: new RegExp(`^(outlook|hotmail|live|msn|windowslive|passport)${PUBLIC_SUFFIX}`) },
  // AOL mail runs on Yahoo's platform and shares its sender requirements.
  { name: 'Yahoo', provider: 'yahoo', pattern: new RegExp(`^(yahoo|ymail|rocketmail|aol|aim)${PUBLIC_SUFFIX}`) },
  { name: 'Apple', provider: 'other', pattern: /^(icloud\.com|me\.com|mac\.com)$/ },
  { name: 'GMX / Web.de', provider: 'other', pattern: /^(gmx\.[a-z.]+|web\.de)$/ },
];

export function domainOf(address: string): string {
  return address
    .slice(address.lastIndexOf('@') + 1)
    .trim()
    .toLowerCase();
}

/** The consumer provider that receives a domain's mail, or undefined for any other domain. */
export function consumerProviderOf(domain: string): (typeof CONSUMER_PROVIDERS)[number] | undefined {
  return CONSUMER_PROVIDERS.find(({ pattern }) => pattern.test(domain));
}

export function mailboxProviderOf(address: string, campusDomains: readonly string[]): MailboxProvider {
  const domain = domainOf(address);
  if (campusDomains.some((campus) => domain === campus || domain.endsWith(`.${campus}`))) return 'campus';
  return consumerProviderOf(domain)?.provider ?? 'other';
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

const groupTotal = <S extends string>(group: MailboxProviderGroup<S>): number =>
  Object.values<number>(group.counts).reduce((a, b) => a + b, 0);

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
