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
 * (Apple and GMX have none of their own there and show by domain). `mx` matches the mail
 * exchangers of the custom domains they host (Google Workspace, Microsoft 365, Yahoo's small
 * business mail): a custom domain whose MX record is one of them is counted in their row.
 */
export const CONSUMER_PROVIDERS: readonly { name: string; provider: MailboxProvider; pattern: RegExp; mx: RegExp }[] = [
  { name: 'Google', provider: 'gmail', pattern: /^(gmail\.com|googlemail\.com)$/, mx: /(^|\.)(google\.com|googlemail\.com)$/ },
  {
    name: 'Microsoft',
    provider: 'microsoft',
    pattern: new RegExp(`^(outlook|hotmail|live|msn|windowslive|passport)${PUBLIC_SUFFIX}`),
    mx: /(^|\.)(protection\.outlook\.com|olc\.protection\.outlook\.com|hotmail\.com|outlook\.com)$/,
  },
  // AOL mail runs on Yahoo's platform and shares its sender requirements.
  { name: 'Yahoo', provider: 'yahoo', pattern: new RegExp(`^(yahoo|ymail|rocketmail|aol|aim)${PUBLIC_SUFFIX}`), mx: /(^|\.)(yahoodns\.net|aol\.com)$/ },
  { name: 'Apple', provider: 'other', pattern: /^(icloud\.com|me\.com|mac\.com)$/, mx: /(^|\.)mail\.icloud\.com$/ },
  { name: 'GMX / Web.de', provider: 'other', pattern: /^(gmx\.[a-z.]+|web\.de)$/, mx: /(^|\.)(gmx\.net|web\.de)$/ },
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

/** The consumer provider whose mail exchanger this is (an MX host, any case, trailing dot or not), or undefined. */
export function mxProviderOf(mxHost: string): (typeof CONSUMER_PROVIDERS)[number] | undefined {
  const host = mxHost.trim().toLowerCase().replace(/\.$/, '');
  return CONSUMER_PROVIDERS.find(({ mx }) => mx.test(host));
}

/** The exchanger mail goes to first: the lowest preference (ties: the first by name), lowercased, no trailing dot. */
export function primaryMxHost(records: readonly { exchange: string; priority: number }[]): string | null {
  const usable = records.filter((r) => r.exchange.replace(/\.$/, '') !== '');
  if (usable.length === 0) return null;
  const [first] = [...usable].sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange));
  return first.exchange.trim().toLowerCase().replace(/\.$/, '');
}

/** Whether a domain's mail exchanger could change its row: not the campus's, not a known consumer domain. */
export function isCustomDomain(domain: string, campusDomains: readonly string[]): boolean {
  return domain !== '' && placeOf(`x@${domain}`, campusDomains, undefined).provider === 'other' && consumerProviderOf(domain) === undefined;
}

export function mailboxProviderOf(address: string, campusDomains: readonly string[]): MailboxProvider {
  return placeOf(address, campusDomains, undefined).provider;
}

/**
 * Where an address is counted: the campus; a consumer provider by its domain; a consumer provider
 * by the domain's MX host (a custom domain on Google Workspace or Microsoft 365); another MX host
 * (`viaMx`); else its own domain. `mxHosts` holds the MX hosts known so far, by domain.
 */
function placeOf(address: string, campusDomains: readonly string[], mxHosts: ReadonlyMap<string, string> | undefined): { provider: MailboxProvider; domain: string | null; viaMx: boolean } {
  const domain = domainOf(address);
  if (campusDomains.some((campus) => domain === campus || domain.endsWith(`.${campus}`))) return { provider: 'campus', domain: null, viaMx: false };
  const byDomain = consumerProviderOf(domain);
  if (byDomain && byDomain.provider !== 'other') return { provider: byDomain.provider, domain: null, viaMx: false };
  const mxHost = byDomain ? undefined : mxHosts?.get(domain);
  if (mxHost === undefined) return { provider: 'other', domain, viaMx: false };
  const byMx = mxProviderOf(mxHost);
  if (byMx && byMx.provider !== 'other') return { provider: byMx.provider, domain: null, viaMx: false };
  return { provider: 'other', domain: mxHost, viaMx: true };
}

/** Messages of one address in one status, as a grouped query answers them. */
export interface AddressStatusCount<S extends string> {
  address: string;
  status: S;
  count: number;
}

/** One row of a breakdown: a named provider (domain null), or one other domain or MX host (or, past the limit, the rest). */
export interface MailboxProviderGroup<S extends string> {
  provider: MailboxProvider;
  /** The domain, or with `viaMx` the MX host that receives for the row's custom domains. */
  domain: string | null;
  viaMx: boolean;
  counts: Record<S, number>;
}

const groupTotal = <S extends string>(group: MailboxProviderGroup<S>): number =>
  Object.values<number>(group.counts).reduce((a, b) => a + b, 0);

/**
 * Messages by mailbox provider and status: one row per named provider, one per other domain, the
 * largest first. With `maxOtherDomains`, the other domains past that many (the smallest) are
 * merged into one `other` row whose domain is null, so a report stays readable on a site that
 * mails thousands of domains. The per-send breakdown and the general reports both group here.
 * `mxHosts` (custom domain → its MX host, from the cache; services/mx-hosts.ts) places custom
 * domains by who receives their mail; a domain not in it is counted by name.
 */
export function groupByMailboxProvider<S extends string>(
  rows: readonly AddressStatusCount<S>[],
  campusDomains: readonly string[],
  emptyCounts: () => Record<S, number>,
  maxOtherDomains = Infinity,
  mxHosts?: ReadonlyMap<string, string>,
): MailboxProviderGroup<S>[] {
  const groups = new Map<string, MailboxProviderGroup<S>>();
  for (const row of rows) {
    const { provider, domain, viaMx } = placeOf(row.address, campusDomains, mxHosts);
    const key = `${provider}:${viaMx ? 'mx:' : ''}${domain ?? ''}`;
    const group = groups.get(key) ?? { provider, domain, viaMx, counts: emptyCounts() };
    group.counts[row.status] = (group.counts[row.status] ?? 0) + row.count;
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort((a, b) => groupTotal(b) - groupTotal(a) || (a.domain ?? '').localeCompare(b.domain ?? ''));
  const others = sorted.filter((g) => g.provider === 'other');
  if (others.length <= maxOtherDomains) return sorted;
  const kept = new Set(others.slice(0, maxOtherDomains));
  const rest: MailboxProviderGroup<S> = { provider: 'other', domain: null, viaMx: false, counts: emptyCounts() };
  for (const group of others.slice(maxOtherDomains)) {
    for (const [status, n] of Object.entries(group.counts) as [S, number][]) rest.counts[status] += n;
  }
  return [...sorted.filter((g) => g.provider !== 'other' || kept.has(g)), rest];
}
