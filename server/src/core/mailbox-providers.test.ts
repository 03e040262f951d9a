import { consumerProviderOf, domainOf, groupByMailboxProvider, mailboxProviderOf, mxProviderOf, primaryMxHost } from './mailbox-providers';

type S = 'delivered' | 'bounced';
const empty = (): Record<S, number> => ({ delivered: 0, bounced: 0 });
const campus = ['college.ac.uk'];

describe('groupByMailboxProvider', () => {
  it('adds up the counts of each named provider across its domains, and of each other domain', () => {
    const groups = groupByMailboxProvider<S>(
      [
        { address: 'a@gmail.com', status: 'delivered', count: 3 },
        { address: 'b@googlemail.com', status: 'bounced', count: 2 },
        { address: 'c@hotmail.co.uk', status: 'bounced', count: 4 },
        { address: 'd@students.college.ac.uk', status: 'delivered', count: 1 },
        { address: 'e@example.org', status: 'delivered', count: 1 },
      ],
      campus,
      empty,
    );
    expect(groups).toEqual([
      { provider: 'gmail', domain: null, viaMx: false, counts: { delivered: 3, bounced: 2 } },
      { provider: 'microsoft', domain: null, viaMx: false, counts: { delivered: 0, bounced: 4 } },
      // Equal totals: the named provider (no domain) sorts before the domain.
      { provider: 'campus', domain: null, viaMx: false, counts: { delivered: 1, bounced: 0 } },
      { provider: 'other', domain: 'example.org', viaMx: false, counts: { delivered: 1, bounced: 0 } },
    ]);
  });

  it('keeps the largest other domains by name and merges the rest into one row without a domain', () => {
    const rows = [
      { address: 'a@big.org', status: 'delivered' as const, count: 9 },
      { address: 'b@mid.org', status: 'bounced' as const, count: 5 },
      { address: 'c@small.org', status: 'delivered' as const, count: 2 },
      { address: 'd@tiny.org', status: 'bounced' as const, count: 1 },
      { address: 'e@yahoo.com', status: 'delivered' as const, count: 1 },
    ];
    const groups = groupByMailboxProvider<S>(rows, campus, empty, 2);
    expect(groups.map((g) => [g.provider, g.domain])).toEqual([
      ['other', 'big.org'],
      ['other', 'mid.org'],
      ['yahoo', null],
      ['other', null],
    ]);
    expect(groups[3].counts).toEqual({ delivered: 2, bounced: 1 });
    // Nothing is lost in the merge.
    const sum = (g: { counts: Record<S, number> }[]) => g.reduce((n, x) => n + x.counts.delivered + x.counts.bounced, 0);
    expect(sum(groups)).toBe(18);
  });

  it('places a custom domain by its MX host: Google Workspace and Microsoft 365 in their rows, others by MX host', () => {
    const mxHosts = new Map([
      ['acme.edu', 'aspmx.l.google.com'],
      ['beta.org', 'beta-org.mail.protection.outlook.com'],
      ['gamma.org', 'mx1.hostedmail.net'],
      ['delta.org', 'mx1.hostedmail.net'],
      // The campus and the consumer domains are never looked up again by MX.
      ['college.ac.uk', 'mx1.hostedmail.net'],
    ]);
    const groups = groupByMailboxProvider<S>(
      [
        { address: 'a@gmail.com', status: 'delivered', count: 1 },
        { address: 'b@acme.edu', status: 'bounced', count: 2 },
        { address: 'c@beta.org', status: 'delivered', count: 3 },
        { address: 'd@gamma.org', status: 'delivered', count: 4 },
        { address: 'e@delta.org', status: 'bounced', count: 5 },
        { address: 'f@college.ac.uk', status: 'delivered', count: 1 },
        // No MX host known (not looked up yet, or no MX): by its domain.
        { address: 'g@unknown.org', status: 'delivered', count: 1 },
      ],
      campus,
      empty,
      Infinity,
      mxHosts,
    );
    expect(groups).toEqual([
      { provider: 'other', domain: 'mx1.hostedmail.net', viaMx: true, counts: { delivered: 4, bounced: 5 } },
      { provider: 'gmail', domain: null, viaMx: false, counts: { delivered: 1, bounced: 2 } },
      { provider: 'microsoft', domain: null, viaMx: false, counts: { delivered: 3, bounced: 0 } },
      { provider: 'campus', domain: null, viaMx: false, counts: { delivered: 1, bounced: 0 } },
      { provider: 'other', domain: 'unknown.org', viaMx: false, counts: { delivered: 1, bounced: 0 } },
    ]);
  });

  it('answers no rows for no messages', () => {
    expect(groupByMailboxProvider<S>([], campus, empty, 10)).toEqual([]);
  });
});

describe('one table of consumer providers for every report', () => {
  it.each([
    ['ana@outlook.de', 'microsoft', 'Microsoft'],
    ['ana@windowslive.com', 'microsoft', 'Microsoft'],
    ['ana@yahoo.com.au', 'yahoo', 'Yahoo'],
    ['ana@icloud.com', 'other', 'Apple'],
    ['ana@outlook.college.ac.uk', 'other', undefined],
    [' ana@GMAIL.com ', 'gmail', 'Google'],
  ])('%s is %s in the breakdowns (and %s in the sender-block report)', (address, provider, name) => {
    expect(mailboxProviderOf(address, [])).toBe(provider);
    expect(consumerProviderOf(domainOf(address))?.name).toBe(name);
  });

  it('puts a campus domain before the consumer table, subdomains included', () => {
    expect(mailboxProviderOf('ana@students.college.ac.uk', ['college.ac.uk'])).toBe('campus');
    expect(mailboxProviderOf('ana@gmail.com', ['gmail.com'])).toBe('campus');
  });
});

describe('MX hosts', () => {
  it.each([
    ['ASPMX.L.GOOGLE.COM.', 'Google'],
    ['alt1.aspmx.l.google.com', 'Google'],
    ['smtp.googlemail.com', 'Google'],
    ['college-edu.mail.protection.outlook.com', 'Microsoft'],
    ['mta7.am0.yahoodns.net', 'Yahoo'],
    ['mx01.mail.icloud.com', 'Apple'],
  ])('knows %s as %s', (host, name) => {
    expect(mxProviderOf(host)?.name).toBe(name);
  });

  it.each(['mx.notgoogle.com', 'google.com.evil.net', 'mx1.hostedmail.net'])('knows no provider for %s', (host) => {
    expect(mxProviderOf(host)).toBeUndefined();
  });

  it('takes the exchanger of lowest preference, ties by name, and none for a null MX', () => {
    expect(
      primaryMxHost([
        { exchange: 'alt2.aspmx.l.google.com', priority: 10 },
        { exchange: 'ASPMX.L.Google.com.', priority: 1 },
        { exchange: 'alt1.aspmx.l.google.com', priority: 5 },
      ]),
    ).toBe('aspmx.l.google.com');
    expect(primaryMxHost([{ exchange: 'b.example', priority: 5 }, { exchange: 'a.example', priority: 5 }])).toBe('a.example');
    // RFC 7505: a single "." exchange says the domain takes no mail.
    expect(primaryMxHost([{ exchange: '.', priority: 0 }])).toBeNull();
    expect(primaryMxHost([])).toBeNull();
  });
});
