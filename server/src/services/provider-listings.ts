import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { normalizeAddress } from '../core/addresses';
import { SUPPRESSED_STATES } from '../core/statuses';
import type { ListedSuppression, LiftOutcome } from '../providers/suppressions';
import type { DriftAddressView, DriftReport } from '../contract';
import { builder, columnsOf } from '../utils/sql';
import { UID } from '../utils/uids';

/**
 * The providers' lists as last pulled, and the drift report: addresses a provider suppresses that
 * the plugin treats as usable (reactivated here while the provider kept them, or listed there
 * since the last pull), so that the provider would drop what the plugin sends. SendGrid blocks
 * suppress nothing at SendGrid and are left out.
 */

const CHUNK = 500;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const l = () =>
    columnsOf(strapi, UID.providerListing, [
      'provider',
      'list',
      'address',
      'kind',
      'listedAt',
      'seenAt',
      'createdAt',
      'updatedAt',
    ] as const);
  const a = () => columnsOf(strapi, UID.address, ['channel', 'address', 'state'] as const);

  /** Listings whose address the ledger does not hold as suppressed, as a query to count or page. */
  function drifted(provider: string | null): Knex.QueryBuilder {
    const lc = l();
    const ac = a();
    const query = builder(strapi, UID.providerListing)
      .leftJoin(`${tableOf(UID.address)} as ledger`, (join) => {
        join
          .on(`ledger.${ac.address}`, '=', `${tableOf(UID.providerListing)}.${lc.address}`)
          .andOnVal(`ledger.${ac.channel}`, '=', 'email');
      })
      .whereNot(`${tableOf(UID.providerListing)}.${lc.kind}`, 'failed')
      .where((q) => q.whereNull(`ledger.${ac.state}`).orWhereNotIn(`ledger.${ac.state}`, [...SUPPRESSED_STATES]));
    if (provider) query.where(`${tableOf(UID.providerListing)}.${lc.provider}`, provider);
    return query;
  }

  function tableOf(uid: string): string {
    return (strapi.db.metadata as unknown as { get(uid: string): { tableName: string } }).get(uid).tableName;
  }

  return {
    /** Records a pulled page (`seenAt`: the pull's start, so that what a complete pull did not see can be removed). */
    async record(provider: string, records: ListedSuppression[], seenAt: Date): Promise<void> {
      const c = l();
      const rows = records
        .map((r) => ({ ...r, address: normalizeAddress('email', r.address) }))
        .filter((r): r is ListedSuppression & { address: string } => r.address !== null && r.address.length <= 255)
        .map((r) => ({
          [c.provider]: provider,
          [c.list]: r.list,
          [c.address]: r.address,
          [c.kind]: r.kind,
          [c.listedAt]: r.listedAt === null ? null : new Date(r.listedAt),
          [c.seenAt]: seenAt,
          [c.createdAt]: seenAt,
          [c.updatedAt]: seenAt,
        }));
      // One address listed twice on a page (a provider's duplicate) must not collide with itself.
      const unique = [...new Map(rows.map((row) => [`${row[c.list] as string}:${row[c.address] as string}`, row])).values()];
      for (let i = 0; i < unique.length; i += CHUNK) {
        await builder(strapi, UID.providerListing)
          .insert(unique.slice(i, i + CHUNK))
          .onConflict([c.provider, c.list, c.address])
          .merge([c.kind, c.listedAt, c.seenAt, c.updatedAt]);
      }
    },

    /** After a complete pull: what it did not see is no longer listed. */
    async prune(provider: string, runStartedAt: Date): Promise<void> {
      const c = l();
      await builder(strapi, UID.providerListing).where(c.provider, provider).where(c.seenAt, '<', runStartedAt).delete();
    },

    /** After a push: the lists that no longer hold the address. */
    async forget(provider: string, address: string, outcomes: LiftOutcome[]): Promise<void> {
      const c = l();
      const gone = outcomes.filter((o) => o.result !== 'failed').map((o) => o.list);
      const normalized = normalizeAddress('email', address);
      if (gone.length === 0 || !normalized) return;
      await builder(strapi, UID.providerListing).where(c.provider, provider).where(c.address, normalized).whereIn(c.list, gone).delete();
    },

    /** Per provider, how many addresses differ; and a page of them (all providers, or one). */
    async drift(filters: { provider: string | null; page: number; pageSize: number }): Promise<DriftReport> {
      const c = l();
      const t = tableOf(UID.providerListing);
      const counts = (await drifted(null)
        .select(`${t}.${c.provider} as provider`)
        .countDistinct({ n: `${t}.${c.address}` })
        .groupBy(`${t}.${c.provider}`)) as {
        provider: string;
        n: unknown;
      }[];
      const rows = (await drifted(filters.provider)
        .select({
          provider: `${t}.${c.provider}`,
          list: `${t}.${c.list}`,
          address: `${t}.${c.address}`,
          kind: `${t}.${c.kind}`,
          listedAt: `${t}.${c.listedAt}`,
          state: `ledger.${a().state}`,
        })
        .orderBy([{ column: `${t}.${c.address}` }, { column: `${t}.${c.provider}` }, { column: `${t}.${c.list}` }])
        .offset((filters.page - 1) * filters.pageSize)
        .limit(filters.pageSize)) as Record<string, unknown>[];
      const total = (await drifted(filters.provider).count({ n: '*' }))[0] as { n: unknown };
      return {
        counts: Object.fromEntries(counts.map((row) => [row.provider, Number(row.n)])),
        results: rows.map(
          (row): DriftAddressView => ({
            provider: String(row.provider),
            list: String(row.list),
            address: String(row.address),
            kind: String(row.kind),
            listedAt: row.listedAt ? new Date(row.listedAt as string).toISOString() : null,
            state: (row.state as DriftAddressView['state'] | null) ?? 'active',
          }),
        ),
        pagination: {
          page: filters.page,
          pageSize: filters.pageSize,
          pageCount: Math.ceil(Number(total.n) / filters.pageSize),
          total: Number(total.n),
        },
      };
    },

    /** Addresses drifted at one provider (at most `limit`), for reconciling. */
    async driftedAddresses(provider: string, limit: number): Promise<string[]> {
      const c = l();
      const t = tableOf(UID.providerListing);
      const rows = (await drifted(provider)
        .distinct({ address: `${t}.${c.address}` })
        .orderBy(`${t}.${c.address}`)
        .limit(limit)) as { address: string }[];
      return rows.map((row) => row.address);
    },
  };
};
