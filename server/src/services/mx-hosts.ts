import type { Core } from '@strapi/strapi';
import { Resolver } from 'node:dns/promises';
import type { MailboxProvidersConfig } from '../config/mailbox-providers';
import { domainOf, isCustomDomain, primaryMxHost } from '../core/mailbox-providers';
import { getService, table } from '../utils/plugin';
import { builder, columnsOf } from '../utils/sql';
import { UID } from '../utils/uids';

/**
 * The MX hosts of custom email domains, so that the breakdown by mailbox provider can count a
 * college's students on Google Workspace under Google. Looked up in the background (a bulk send's
 * domains, after it is queued) and cached in `deliverability_mx_hosts`, which every instance
 * shares; reports only read the cache, so they never wait on DNS.
 */

export type MxAnswer = { outcome: 'found'; mxHost: string } | { outcome: 'none' } | { outcome: 'failed' };

/** DNS answers that say the domain has no MX (or does not exist), as opposed to a failed look-up. */
const NO_MX_CODES = new Set(['ENOTFOUND', 'ENODATA']);
const CHUNK = 500;
/** Look-ups at once: a bulk send to thousands of domains must not flood the resolver. */
const CONCURRENCY = 4;

/** One MX look-up, bounded by `timeoutMs` whatever the resolver does. */
export async function lookUpMx(domain: string, config: Pick<MailboxProvidersConfig, 'dnsServers' | 'timeoutMs'>): Promise<MxAnswer> {
  const resolver = new Resolver({ timeout: config.timeoutMs, tries: 1 });
  if (config.dnsServers.length > 0) resolver.setServers(config.dnsServers);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('MX look-up timed out'), { code: 'ETIMEOUT' })), config.timeoutMs);
  });
  try {
    const mxHost = primaryMxHost(await Promise.race([resolver.resolveMx(domain), deadline]));
    return mxHost ? { outcome: 'found', mxHost } : { outcome: 'none' };
  } catch (error) {
    return NO_MX_CODES.has((error as { code?: string }).code ?? '') ? { outcome: 'none' } : { outcome: 'failed' };
  } finally {
    clearTimeout(timer);
    resolver.cancel();
  }
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const settings = () => getService(strapi, 'config').get();
  const cols = () =>
    columnsOf(strapi, UID.mxHost, ['domain', 'mxHost', 'outcome', 'checkedAt', 'expiresAt', 'createdAt', 'updatedAt'] as const);
  /** Domains this instance is looking up now: a second bulk send to them waits for no second look-up. */
  const inFlight = new Set<string>();

  /** The custom domains among these addresses, once each. */
  function customDomains(addresses: readonly string[]): string[] {
    const campus = settings().bulk.campusDomains;
    return [...new Set(addresses.map(domainOf))].filter((domain) => isCustomDomain(domain, campus));
  }

  async function cachedRows(domains: string[]): Promise<{ domain: string; mxHost: string | null; outcome: string; expiresAt: Date }[]> {
    const rows = [];
    for (let i = 0; i < domains.length; i += CHUNK) {
      rows.push(
        ...(await table(strapi, UID.mxHost).findMany({
          select: ['domain', 'mxHost', 'outcome', 'expiresAt'],
          where: { domain: { $in: domains.slice(i, i + CHUNK) } },
        })),
      );
    }
    return rows.map((row) => ({
      domain: row.domain as string,
      mxHost: (row.mxHost as string | null) ?? null,
      outcome: row.outcome as string,
      expiresAt: new Date(row.expiresAt as string),
    }));
  }

  /** Writes one answer; two instances answering for one domain at once keep the later (a unique key on domain). */
  async function store(domain: string, answer: MxAnswer): Promise<void> {
    const c = cols();
    const { ttlSeconds, retryFailedSeconds } = settings().mailboxProviders;
    const now = new Date();
    const expiresAt = new Date(now.getTime() + (answer.outcome === 'failed' ? retryFailedSeconds : ttlSeconds) * 1000);
    const row = {
      [c.domain]: domain,
      [c.mxHost]: answer.outcome === 'found' ? answer.mxHost : null,
      [c.outcome]: answer.outcome,
      [c.checkedAt]: now,
      [c.expiresAt]: expiresAt,
      [c.createdAt]: now,
      [c.updatedAt]: now,
    };
    await builder(strapi, UID.mxHost)
      .insert(row)
      .onConflict([c.domain])
      .merge([c.mxHost, c.outcome, c.checkedAt, c.expiresAt, c.updatedAt]);
  }

  return {
    /** The MX hosts known for these addresses' custom domains (stale ones too: better than none until refreshed). */
    async known(addresses: readonly string[]): Promise<Map<string, string>> {
      const rows = await cachedRows(customDomains(addresses));
      return new Map(rows.filter((row) => row.outcome === 'found' && row.mxHost).map((row) => [row.domain, row.mxHost as string]));
    },

    /** Looks up the custom domains of these addresses that are not cached or whose answer has expired; resolves when stored. */
    async refresh(addresses: readonly string[]): Promise<number> {
      const config = settings().mailboxProviders;
      if (!config.mxLookups) return 0;
      const domains = customDomains(addresses);
      const fresh = new Set((await cachedRows(domains)).filter((row) => row.expiresAt.getTime() > Date.now()).map((row) => row.domain));
      const due = domains.filter((domain) => !fresh.has(domain) && !inFlight.has(domain));
      due.forEach((domain) => inFlight.add(domain));
      try {
        for (let i = 0; i < due.length; i += CONCURRENCY) {
          await Promise.all(due.slice(i, i + CONCURRENCY).map(async (domain) => store(domain, await lookUpMx(domain, config))));
        }
      } finally {
        due.forEach((domain) => inFlight.delete(domain));
      }
      return due.length;
    },

    /** `refresh` after the caller has answered: a failure is logged, never thrown at a request. */
    refreshInBackground(addresses: readonly string[]): void {
      setImmediate(() => {
        this.refresh(addresses).catch((error: unknown) =>
          strapi.log.warn(`[deliverability] MX look-ups failed: ${(error as Error).message}`),
        );
      });
    },
  };
};
