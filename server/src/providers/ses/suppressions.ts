import type { SesSyncSettings } from '../../config/sync';
import { arrayField, isJsonObject, numberField, stringField } from '../shared';
import { callProviderApi, expectOk, liftFromEach, type ApiCallOptions } from '../suppressions/http';
import type { ListedSuppression, SuppressionListClient } from '../suppressions/types';
import { signV4 } from './sigv4';

/**
 * The Amazon SES account-level suppression list (SES API v2, signed with Signature Version 4,
 * service `ses`; the IAM user needs `ses:ListSuppressedDestinations` and `ses:DeleteSuppressedDestination`):
 * - `ListSuppressedDestinations`: `GET /v2/email/suppression/addresses?PageSize=&NextToken=` answers
 *   `{ SuppressedDestinationSummaries: [{ EmailAddress, Reason (BOUNCE|COMPLAINT), LastUpdateTime }], NextToken? }`;
 *   the list ends when no `NextToken` comes back.
 * - `DeleteSuppressedDestination`: `DELETE /v2/email/suppression/addresses/{EmailAddress}`: 200, or
 *   404 (`NotFoundException`) when the address is not listed.
 * - 429 (`TooManyRequestsException`) when over the rate limit.
 * `LastUpdateTime` is epoch seconds in the JSON protocol; an ISO text is read too.
 */

const LIST = 'account';

function listedAt(item: Record<string, unknown>): number | null {
  const seconds = numberField(item, 'LastUpdateTime');
  if (seconds !== undefined) return Math.round(seconds * 1000);
  const ms = Date.parse(stringField(item, 'LastUpdateTime') ?? '');
  return Number.isNaN(ms) ? null : ms;
}

function toRecord(item: unknown): ListedSuppression | null {
  if (!isJsonObject(item)) return null;
  const address = stringField(item, 'EmailAddress');
  const reason = stringField(item, 'Reason');
  if (!address || (reason !== 'BOUNCE' && reason !== 'COMPLAINT')) return null;
  return {
    address,
    kind: reason === 'BOUNCE' ? 'hard_bounce' : 'complaint',
    list: LIST,
    listedAt: listedAt(item),
    reason: null,
    code: reason,
  };
}

export function sesSuppressions(settings: SesSyncSettings, options: ApiCallOptions & { pageSize: number }): SuppressionListClient {
  const signed = (method: string, url: URL): RequestInit => ({
    method,
    headers: { ...signV4({ method, url, service: 'ses', ...settings, now: Date.now() }), accept: 'application/json' },
  });
  const call = (method: string, url: URL) => callProviderApi('ses', url.href, signed(method, url), options);
  return {
    provider: 'ses',
    lists: [LIST],
    async fetchPage(_list, cursor) {
      const url = new URL(`${settings.baseUrl}/v2/email/suppression/addresses`);
      url.searchParams.set('PageSize', String(Math.min(options.pageSize, 1000)));
      if (cursor !== null) url.searchParams.set('NextToken', cursor);
      const response = expectOk('ses', await call('GET', url), 'reading the account suppression list');
      const body = isJsonObject(response.body) ? response.body : {};
      const records = (arrayField(body, 'SuppressedDestinationSummaries') ?? [])
        .map(toRecord)
        .filter((r): r is ListedSuppression => r !== null);
      return { records, next: stringField(body, 'NextToken') || null };
    },
    lift(address) {
      return liftFromEach([LIST], async () => {
        const response = await call('DELETE', new URL(`${settings.baseUrl}/v2/email/suppression/addresses/${encodeURIComponent(address)}`));
        if (response.status === 404) return 'not_listed';
        expectOk('ses', response, 'lifting from the account suppression list');
        return 'lifted';
      });
    },
  };
}
